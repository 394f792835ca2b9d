using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Storage;

public sealed class RefCountTests
{
    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    [Fact]
    public void A_node_naming_the_same_child_twice_holds_one_reference_to_it()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var page = StoreFixture.Page(1);
        // Pages 0 and 1 are equal: their level-1 branch names the page twice. Pages 2 and 3 repeat
        // pages 0 and 1: the level-2 branch names that level-1 branch twice.
        var root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (0, page), (1, page), (2, page), (3, page)), staged);

        var pageRef = ObjectRef.Page(PageStore.PageKey(page));
        Assert.Equal(1UL, store.RefCount(pageRef));
        var level1 = new List<ObjectRef>();
        var walk = ObjectRef.Node(root);
        for (int level = PageTree.Height32; level > 1; level--)
        {
            level1.Clear();
            store.Layout.AddChildren(store.ReadNode(walk.Key), level1);
            walk = level1[0];
        }
        Assert.Equal(1UL, store.RefCount(walk));

        store.DeleteCommit(root);
        Assert.Empty(StoreFixture.Stored(store));
        Assert.Equal(0UL, store.RefCount(pageRef));
    }

    [Fact]
    public void A_commit_restoring_old_pages_counts_the_subtrees_it_shares_with_older_commits_exactly()
    {
        var directory = StoreFixture.TempDirectory();
        try
        {
            var original = Enumerable.Range(0, 64).Select(i => ((ulong)i * 4099, StoreFixture.Page(i))).ToArray();
            Hash first, second;
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                first = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, original), staged);
                staged = new StagedObjects();
                second = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, first, staged, (0, StoreFixture.Page(500))), staged, first);
            }

            // Reopened, so no count is cached. Page 0 goes back to its first value (the page and the
            // lower part of its path exist, kept alive by the first commit) while a page in the other
            // half of the tree gets new bytes: the commit stages both paths, and must find which of
            // their objects exist.
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                var third = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, second, staged, (0, original[0].Item2), (63 * 4099, StoreFixture.Page(501))), staged, second);
                Assert.True(store.LastWrite.ExistenceLookups > 2); // both pages, and the nodes over page 0 that exist
                Assert.True(store.LastWrite.ObjectsWritten < staged.Count); // those are not written again
                Assert.True(store.Check().IsClean);

                foreach (var root in new[] { first, third, second })
                {
                    store.DeleteCommit(root);
                    Assert.True(store.Check().IsClean);
                    Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
                }
                Assert.Empty(StoreFixture.Stored(store));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
