using BenchmarkDotNet.Attributes;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue A: <see cref="MerkleIndex.UpdatePages"/> of <see cref="K"/> pages in a 32-bit page tree
/// (height 20, 2^20 slots) that already holds 4096 committed pages scattered over the whole address
/// space — staging only, no commit.
/// </summary>
/// <remarks>
/// <para>Each invocation applies one of 16 precomputed change sets (K distinct committed pages, new
/// keys) to the same committed root, into a fresh <see cref="StagedObjects"/>; the page keys are
/// precomputed, so no page is hashed. The old path nodes come from the store:
/// <b>UpdateWarm</b> reuses one index, whose node cache holds them after the first pass (the steady
/// state of a node that keeps committing); <b>UpdateCold</b> builds a new index per invocation, so
/// every node is read from RocksDB and verified (the first update after a restart).</para>
/// <para><b>RawHash</b> (baseline): K × 20 raw BLAKE3 hashes of 65 bytes, the hashing a path update
/// cannot avoid if every path were disjoint. The <c>NodesStaged</c> column is the mean number of
/// nodes an update actually stages (fewer than K × 20 where paths share their top).</para>
/// </remarks>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage, Categories.IndexUpdate)]
public class IndexUpdateBench
{
    private const int CommittedPages = 4096;
    private const int ChangeSets = 16;

    private PageStore _store = null!;
    private MerkleIndex _index = null!;
    private Hash _root;
    private PageChange[][] _changeSets = [];
    private readonly byte[] _nodeInput = new byte[1 + 2 * Hash.Size];
    private readonly byte[] _digest = new byte[Hash.Size];
    private int _next;

    /// <summary>Pages changed per update.</summary>
    [Params(1, 16, 256)]
    public int K { get; set; }

    /// <summary>Commits the memory, prepares the change sets and records the nodes an update stages.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4242);
        _store = MerkleIndex.EphemeralStore();
        _index = new MerkleIndex(_store);
        var staged = new StagedObjects();
        var indices = BenchPages.Indices(random, CommittedPages, PageTree.Capacity(PageTree.Height32));
        var changes = indices.Select(i => new PageChange(i, staged.AddPage(BenchPages.Make(PageContent.Sparse, random)))).ToArray();
        _root = _index.UpdatePages(PageTree.EmptyRoot(PageTree.Height32), PageTree.Height32, changes, staged);
        _store.WriteCommit(_root, ObjectRef.Node(_root), null, staged);

        var keyBytes = new byte[Hash.Size];
        _changeSets = Enumerable.Range(0, ChangeSets).Select(_ =>
            random.GetItems(indices, K * 2).Distinct().Take(K).Order()
                .Select(i =>
                {
                    random.NextBytes(keyBytes);
                    return new PageChange(i, Hash.FromBytes(keyBytes));
                })
                .ToArray())
            .ToArray();
        if (_changeSets.Any(set => set.Length != K)) throw new InvalidOperationException("Could not draw distinct pages.");

        double nodesStaged = _changeSets.Average(set =>
        {
            var s = new StagedObjects();
            _index.UpdatePages(_root, PageTree.Height32, set, s);
            return s.Count;
        });
        Metrics.Record(this, Metrics.NodesStaged, nodesStaged);
    }

    /// <summary>Closes and deletes the store.</summary>
    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    /// <summary>K × 20 raw 65-byte BLAKE3 hashes, each fed the previous digest.</summary>
    [Benchmark(Baseline = true)]
    public byte[] RawHash()
    {
        for (int i = 0; i < K * PageTree.Height32; i++)
        {
            Blake3.Hasher.Hash(_nodeInput, _digest);
            _digest.CopyTo(_nodeInput, 1);
        }
        return _digest;
    }

    /// <summary>Update with the node cache warm.</summary>
    [Benchmark]
    public Hash UpdateWarm() => _index.UpdatePages(_root, PageTree.Height32, NextSet(), new StagedObjects());

    /// <summary>Update with every node read from the store.</summary>
    [Benchmark]
    public Hash UpdateCold() => new MerkleIndex(_store).UpdatePages(_root, PageTree.Height32, NextSet(), new StagedObjects());

    private PageChange[] NextSet() => _changeSets[_next++ % ChangeSets];
}
