using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// A commit that changed many memories builds their page trees on several threads
/// (<see cref="PageTreeUpdates"/>): the state it writes must be exactly what building them one by one
/// writes, and a damaged base tree must fail it with the store's own error, as on one thread.
/// </summary>
public sealed class BlockCommitTests
{
    private const int Memories = 6;
    private const int PagesEach = 16; // 96 pages in all: past PageTreeUpdates.ParallelFromPages
    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    // Spread over the memory (256 pages), different per contract; never page 0, where the calls' arguments go.
    private static uint PageOf(int memory, int k) => (uint)(7 * k + memory) % 255 + 1;

    [Fact]
    public void A_commit_of_many_changed_memories_has_the_root_and_pages_of_committing_them_one_by_one()
    {
        using var vm = TestVM.Ephemeral();
        ContractId[] ids;
        Hash @base;
        using (var setup = vm.Session())
        {
            ids = [.. Enumerable.Range(0, Memories).Select(m => setup.Deploy(PageProbe.Code(), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of([(byte)m]))), Contracts.Gas))];
            for (int m = 0; m < Memories; m++) PageProbe.Write(setup, ids[m], PageOf(m, 0), 1); // a stored tree to update
            @base = setup.Commit();
        }

        Hash together;
        using (var session = vm.Session(new SessionData { Base = @base }))
        {
            for (int m = 0; m < Memories; m++)
                for (int k = 0; k < PagesEach; k++) PageProbe.Write(session, ids[m], PageOf(m, k), (ulong)(1000 * m + k));
            together = session.Commit();
        }
        Hash oneByOne = @base;
        for (int m = 0; m < Memories; m++)
        {
            using var session = vm.Session(new SessionData { Base = oneByOne });
            for (int k = 0; k < PagesEach; k++) PageProbe.Write(session, ids[m], PageOf(m, k), (ulong)(1000 * m + k));
            oneByOne = session.Commit(); // one memory per commit: built on the committing thread
        }

        Assert.Equal(oneByOne, together);
        Assert.NotEqual(@base, together);
        using var reader = vm.Session(new SessionData { Base = together });
        for (int m = 0; m < Memories; m++)
        {
            for (int k = 0; k < PagesEach; k++)
            {
                var page = reader.ReadPage(ids[m], PageOf(m, k));
                Assert.Equal((ulong)(1000 * m + k), BitConverter.ToUInt64(page.AsSpan(64, 8)));
            }
            var proof = reader.ProvePage(ids[m], PageOf(m, PagesEach - 1));
            Assert.True(ProofVerifier.VerifyPage(proof, together, reader.ReadPage(ids[m], PageOf(m, PagesEach - 1))));
        }
        Assert.True(vm.Fsck().IsClean); // every reference the commits vouched for (kept children) is stored, every count exact
    }

    [Fact]
    public void Page_trees_built_on_several_threads_stage_exactly_what_one_thread_stages()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var bases = StoreBaseTrees(index, store);
        var changes = bases.Select((tree, m) => new PageTreeUpdates.Change(tree, PageTree.Height32, Pages(m, first: 8, count: PagesEach))).ToArray();

        // A build before, into the same pool: the tables the second build reuses must bring nothing of it along.
        var pool = new StagedObjectsPool();
        var other = bases.Select((tree, m) => new PageTreeUpdates.Change(tree, PageTree.Height32, Pages(m + 100, first: 4, count: PagesEach))).ToArray();
        PageTreeUpdates.Build(index, other, new StagedObjects(), pool);
        Assert.Equal(Memories, pool.Count);

        var parallel = new StagedObjects();
        var roots = PageTreeUpdates.Build(index, changes, parallel, pool);

        var sequential = new StagedObjects();
        var expected = changes.Select(c => index.UpdatePages(c.BaseTree, c.Height,
            c.Pages.Select(p => new PageChange(p.Index, sequential.AddPage(p.Bytes))).ToArray(), sequential)).ToArray();
        Assert.Equal(expected, roots);
        Assert.Equal(sequential.Count, parallel.Count);
        foreach (var (reference, bytes) in sequential.All)
        {
            Assert.True(parallel.TryGet(reference, out var staged), $"{reference} is not staged");
            Assert.Equal(bytes.ToArray(), staged.ToArray());
        }
        // The hints that let a commit store a page as its difference from the one it replaces come along too.
        var replaced = changes[2].Pages[0];
        var key = PageStore.PageKey(replaced.Bytes.Span);
        Assert.True(sequential.TryGetPreviousPage(key, out var previous));
        Assert.True(parallel.TryGetPreviousPage(key, out var carried));
        Assert.Equal(previous, carried);
    }

    [Fact]
    public void A_base_tree_missing_from_the_store_fails_a_build_on_several_threads_with_the_store_error()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var bases = StoreBaseTrees(index, store);
        // A tree staged and never written: its nodes are in no store and no cache.
        var lost = index.UpdatePages(EmptyTree, PageTree.Height32, [.. Pages(9, first: 0, count: 4).Select(p => new PageChange(p.Index, PageStore.PageKey(p.Bytes.Span)))], new StagedObjects());
        bases[3] = lost;
        var changes = bases.Select((tree, m) => new PageTreeUpdates.Change(tree, PageTree.Height32, Pages(m, first: 8, count: PagesEach))).ToArray();

        var staged = new StagedObjects();
        var pool = new StagedObjectsPool();
        var error = Assert.Throws<CorruptStoreException>(() => PageTreeUpdates.Build(index, changes, staged, pool));
        Assert.Contains(lost.ToString(), error.Message);
        Assert.Equal(0, staged.Count); // nothing of the failed build is staged
        Assert.Equal(Memories, pool.Count); // and every memory's table went back to the pool
    }

    // One stored tree per memory, pages 0..11 of each (so the updates replace some and add others).
    private static Hash[] StoreBaseTrees(MerkleIndex index, PageStore store)
    {
        var staged = new StagedObjects();
        var trees = Enumerable.Range(0, Memories).Select(m => index.UpdatePages(EmptyTree, PageTree.Height32,
            Pages(m + 100, first: 0, count: 12).Select(p => new PageChange(p.Index, staged.AddPage(p.Bytes))).ToArray(), staged)).ToArray();
        for (int m = 0; m < Memories; m++) staged.AddBytecode(Tests.Merkle.MerkleIndexTests.BytecodeOf(m));
        var root = trees.Select((tree, m) => Tests.Merkle.MerkleIndexTests.Leaf(m, tree)).Aggregate(Domain.EmptyState, (r, leaf) => index.SetContract(r, leaf, staged));
        store.WriteCommit(root, ObjectRef.Node(root), null, staged);
        return trees;
    }

    private static (ulong Index, ReadOnlyMemory<byte> Bytes)[] Pages(int seed, int first, int count) =>
        [.. Enumerable.Range(first, count).Select(k =>
        {
            var bytes = new byte[PageStore.PageSize];
            for (int i = 0; i < 64; i++) bytes[i] = (byte)(seed * 31 + k * 7 + i);
            return ((ulong)k, (ReadOnlyMemory<byte>)bytes);
        })];
}
