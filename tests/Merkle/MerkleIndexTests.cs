using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Storage;
using Xunit;

namespace Piecrust.Tests.Merkle;

public sealed class MerkleIndexTests
{
    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    internal static byte[] BytecodeOf(int seed) => BitConverter.GetBytes(seed + 1_000_000);

    internal static ContractLeaf Leaf(int seed, Hash pageTreeRoot, ulong memoryLength = 65536, bool is64 = false) =>
        new(new ContractId(Hash.Of(BitConverter.GetBytes(seed))), Hash.Of(BytecodeOf(seed)),
            BitConverter.GetBytes(seed * 7), pageTreeRoot, memoryLength, is64);

    [Fact]
    public void The_state_root_does_not_depend_on_insertion_order()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var leaves = Enumerable.Range(0, 50).Select(i => Leaf(i, EmptyTree)).ToArray();

        Hash Build(IEnumerable<ContractLeaf> order)
        {
            var staged = new StagedObjects();
            return order.Aggregate(Domain.EmptyState, (root, leaf) => index.SetContract(root, leaf, staged));
        }

        var forward = Build(leaves);
        Assert.Equal(forward, Build(leaves.Reverse()));
        Assert.Equal(forward, Build(leaves.OrderBy(l => l.Owner.Span[0])));
        Assert.NotEqual(forward, Build(leaves.Skip(1)));
        Assert.NotEqual(Domain.EmptyState, forward);
    }

    [Fact]
    public void Replacing_a_leaf_and_reading_it_back()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var root = Enumerable.Range(0, 10).Aggregate(Domain.EmptyState, (r, i) => index.SetContract(r, Leaf(i, EmptyTree), staged));
        var changed = Leaf(3, EmptyTree) with { MemoryLength = 131072 };
        var newRoot = index.SetContract(root, changed, staged);

        Assert.NotEqual(root, newRoot);
        Assert.Equal(changed, index.GetContract(newRoot, changed.Id, staged));
        Assert.Equal(65536UL, index.GetContract(root, changed.Id, staged)!.MemoryLength);
        Assert.Null(index.GetContract(newRoot, Leaf(99, EmptyTree).Id, staged));
        Assert.Equal(10, index.Contracts(newRoot, staged).Count());
        Assert.Equal(index.Contracts(newRoot, staged).Select(l => l.Id).Order(), index.Contracts(newRoot, staged).Select(l => l.Id));
    }

    [Fact]
    public void The_memory_root_binds_the_memory_length()
    {
        var a = Leaf(1, EmptyTree, memoryLength: 65536);
        var b = a with { MemoryLength = 131072 };
        Assert.NotEqual(a.MemoryRoot, b.MemoryRoot);
        Assert.NotEqual(a.Hash, b.Hash);
        Assert.NotEqual(a.MemoryRoot, (a with { Is64 = true }).MemoryRoot);
    }

    [Fact]
    public void Updating_one_page_writes_exactly_the_nodes_on_its_path()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var baseStaged = new StagedObjects();
        var pages = Enumerable.Range(0, 64).Select(i => ((ulong)i * 16411 % PageTree.Capacity(PageTree.Height32), StoreFixture.Page(i))).ToArray();
        var baseRoot = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, baseStaged, pages), baseStaged);

        var staged = new StagedObjects();
        var newRoot = StoreFixture.WritePages(index, baseRoot, staged, (123456, StoreFixture.Page(1000)));
        StoreFixture.CommitTree(store, newRoot, staged, parent: baseRoot);

        Assert.Equal(PageTree.Height32 + 1, store.LastWrite.ObjectsWritten); // the path's nodes and the page itself
        Assert.Equal(PageTree.Height32 + 1, staged.Count);
        Assert.Equal(1, store.LastWrite.ExistenceLookups); // the page; its absence implies the new path's
    }

    [Fact]
    public void An_update_of_a_live_tree_vouches_for_the_children_it_keeps_and_commits_the_same_objects_without_checking_them()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var baseStaged = new StagedObjects();
        var pages = Enumerable.Range(0, 8).Select(i => ((ulong)i, StoreFixture.Page(i))).ToArray();
        var baseRoot = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, baseStaged, pages), baseStaged);
        var newPage = StoreFixture.Page(1000);
        var change = new[] { new PageChange(5, PageStore.PageKey(newPage)) };

        var checkedStaged = new StagedObjects();
        checkedStaged.AddPage(newPage);
        var checkedRoot = index.UpdatePages(baseRoot, PageTree.Height32, change, checkedStaged);
        var liveStaged = new StagedObjects();
        liveStaged.AddPage(newPage);
        var liveRoot = index.UpdatePages(baseRoot, PageTree.Height32, change, liveStaged, rootIsLive: true);
        Assert.Equal(checkedRoot, liveRoot);

        // Page 5's path keeps page 4 (level 1), the branch over 6-7 (level 2) and the one over 0-3
        // (level 3); above level 3 each branch has one child, the one it replaces.
        Assert.True(liveStaged.IsKnownStored(ObjectRef.Page(PageStore.PageKey(pages[4].Item2))));
        Assert.False(checkedStaged.IsKnownStored(ObjectRef.Page(PageStore.PageKey(pages[4].Item2))));

        StoreFixture.CommitTree(store, checkedRoot, checkedStaged, parent: baseRoot);
        var looked = store.LastWrite;
        store.DeleteCommit(checkedRoot);
        StoreFixture.CommitTree(store, liveRoot, liveStaged, parent: baseRoot);
        Assert.Equal(looked.ObjectsWritten, store.LastWrite.ObjectsWritten);
        Assert.Equal(looked.BytesWritten, store.LastWrite.BytesWritten);
        Assert.Equal(3, looked.ReferenceChecks); // the three kept children, checked in the store
        Assert.Equal(0, store.LastWrite.ReferenceChecks); // vouched for
        Assert.Equal(PageStore.PageKey(pages[4].Item2), index.PageKey(liveRoot, PageTree.Height32, 4));
        Assert.Empty(store.Check().Problems);
    }

    [Fact]
    public void Incremental_updates_equal_a_tree_built_from_scratch()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var memory = new Dictionary<ulong, byte[]>();
        var root = EmptyTree;
        var random = new Random(42);
        for (int round = 0; round < 20; round++)
        {
            var writes = Enumerable.Range(0, random.Next(1, 6))
                .Select(_ => ((ulong)random.Next(0, 1 << 20), random.Next(4) == 0 ? new byte[PageStore.PageSize] : StoreFixture.Page(random.Next())))
                .DistinctBy(w => w.Item1).ToArray();
            foreach (var (i, bytes) in writes) memory[i] = bytes;
            root = StoreFixture.WritePages(index, root, staged, writes);
        }
        var scratch = StoreFixture.WritePages(index, EmptyTree, new StagedObjects(), memory.Select(kv => (kv.Key, kv.Value)).ToArray());
        Assert.Equal(scratch, root);
        Assert.Equal(memory.Where(kv => kv.Value.Any(b => b != 0)).Select(kv => kv.Key).Order(),
            index.Pages(root, PageTree.Height32, staged).Select(p => p.Index));
    }

    [Fact]
    public void Clearing_every_page_gives_back_the_empty_tree()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var root = StoreFixture.WritePages(index, EmptyTree, staged, (7, StoreFixture.Page(1)), (900000, StoreFixture.Page(2)));
        var cleared = StoreFixture.WritePages(index, root, staged, (7, new byte[PageStore.PageSize]), (900000, new byte[PageStore.PageSize]));
        Assert.Equal(EmptyTree, cleared);
    }
}
