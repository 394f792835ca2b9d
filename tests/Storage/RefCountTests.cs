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
}
