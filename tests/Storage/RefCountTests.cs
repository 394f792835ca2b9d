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
    [Fact]
    public void A_commit_journals_the_references_it_adds_to_stored_objects_and_a_deletion_applies_them()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var first = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (0, StoreFixture.Page(1)), (1, StoreFixture.Page(2))), staged);
        staged = new StagedObjects();
        var second = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, first, staged, (0, StoreFixture.Page(3))), staged, first);

        // The second commit shares page 1 with the first: one more reference, journaled, not written as a count.
        var shared = ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(2)));
        var statistics = store.GetStatistics();
        Assert.Equal(0, statistics.ReferenceCounts);
        Assert.True(statistics.PendingCountIncrements > 0);
        Assert.Equal(2UL, store.RefCount(shared));
        Assert.True(store.Check().IsClean);

        store.DeleteCommit(first);
        statistics = store.GetStatistics();
        Assert.Equal(0, statistics.PendingCountIncrements);
        Assert.Equal(1UL, store.RefCount(shared));
        Assert.True(store.Check().IsClean);
        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));

        store.DeleteCommit(second);
        Assert.Empty(StoreFixture.Stored(store));
        Assert.Equal(0, store.GetStatistics().ReferenceCounts);
    }

    [Fact]
    public void Journaled_increments_past_the_limit_are_applied_by_the_next_commit_and_counts_stay_exact()
    {
        using var store = MerkleIndex.EphemeralStore(new PageStoreOptions { PendingCountLimit = 8 });
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged,
            Enumerable.Range(0, 16).Select(i => ((ulong)i * 977, StoreFixture.Page(i))).ToArray()), staged);
        var roots = new List<Hash> { root };
        for (int i = 0; i < 4; i++)
        {
            staged = new StagedObjects();
            root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, root, staged, ((ulong)i * 977, StoreFixture.Page(100 + i))), staged, root);
            roots.Add(root);
            // A one-page commit journals about 20 references: each commit applies the previous one's.
            Assert.InRange(store.GetStatistics().PendingCountIncrements, 1, 8 + 32);
            Assert.True(store.Check().IsClean);
        }
        Assert.True(store.GetStatistics().ReferenceCounts > 0); // applied counts of 2 and more have entries

        foreach (var doomed in new[] { roots[2], roots[0], roots[4], roots[1] })
        {
            store.DeleteCommit(doomed);
            Assert.True(store.Check().IsClean);
            Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
        }
    }

    [Fact]
    public void Journaled_increments_survive_a_reopen()
    {
        var directory = StoreFixture.TempDirectory();
        try
        {
            Hash first, second;
            long pending;
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                first = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (5, StoreFixture.Page(1)), (4, StoreFixture.Page(2))), staged);
                staged = new StagedObjects();
                second = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, first, staged, (5, StoreFixture.Page(3))), staged, first);
                pending = store.GetStatistics().PendingCountIncrements;
                Assert.True(pending > 0);
            }
            using (var store = MerkleIndex.OpenStore(directory))
            {
                Assert.Equal(pending, store.GetStatistics().PendingCountIncrements);
                Assert.Equal(2UL, store.RefCount(ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(2)))));
                store.DeleteCommit(first);
                Assert.True(store.Check().IsClean);
                Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
                store.DeleteCommit(second);
                Assert.Empty(StoreFixture.Stored(store));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_pending_count_limit_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleIndex.EphemeralStore(new PageStoreOptions { PendingCountLimit = 0 }));
    }
}
