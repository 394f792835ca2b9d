using BenchmarkDotNet.Attributes;
using Piecrust.Merkle;
using Piecrust.Storage;
using RocksDbSharp;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue A, target "store write ≤ 1.5× raw RocksDB batch": committing <see cref="N"/> dirty pages
/// of one contract memory through the store, against writing the same pages into a bare RocksDB.
/// Neither side fsyncs (<see cref="StoreWriteDurableBench"/> is the fsync'd pair).
/// </summary>
/// <remarks>
/// <para>The memory: 1024 pages (4 MiB) at indices 0–1023 of a 32-bit page tree, committed in setup
/// — data at the bottom of the address space, as a wasm heap has it. Each invocation rewrites the
/// same <see cref="N"/> randomly chosen pages of it with new content (a counter stamped over each
/// page's first 8 bytes, on both sides), so every page is new and nothing is deduplicated away.</para>
/// <para><b>Store</b> (what a session commit costs for one memory): BLAKE3 of every page
/// (<see cref="StagedObjects.AddPage"/>); <see cref="MerkleIndex.UpdatePages"/>: reading the old path
/// nodes, hashing and staging the new ones; <see cref="PageStore.WriteCommit"/>: LZ4 of each page,
/// reference-count reads and writes for every new object and for every old child a new node
/// references, the pages, nodes, counts and commit record in one atomic batch. Commits chain: each is
/// built on the previous one.</para>
/// <para><b>RawBatch</b> (baseline): LZ4 of each page (stored raw when LZ4 does not shrink it, as
/// the store does), one <see cref="WriteBatch"/> with one put per page under a 32-byte stand-in key
/// spread like a hash (SplitMix64 of a counter). No hashing, no tree, no counts: the floor for
/// "put these page bytes on disk".</para>
/// <para><b>RawBatchHashed</b>: the baseline plus BLAKE3 of each page as its key — the floor for any
/// content-addressed page store, which must compute its keys. Store / RawBatchHashed is the cost of
/// the Merkle tree and the reference counts alone.</para>
/// <para><b>RawBatchSameObjects</b>: the same staging as Store (page hashes, the new path nodes), then
/// exactly the pages and nodes a commit writes, put raw in one batch — the same bytes, without the
/// store's bookkeeping. Store / RawBatchSameObjects is the cost of the store itself: existence and
/// count reads, count entries, the commit record.</para>
/// </remarks>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage, Categories.StoreWrite)]
public class StoreWriteBench
{
    private StoreWriteFixture _fixture = null!;

    /// <summary>Dirty pages per commit.</summary>
    [Params(1, 16, 256)]
    public int N { get; set; }

    /// <summary>What the pages hold.</summary>
    [Params(PageContent.Sparse, PageContent.Random)]
    public PageContent Content { get; set; }

    /// <summary>Commits the base memory, opens the raw database and records what one commit writes.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _fixture = new StoreWriteFixture(N, Content, durable: false);
        _fixture.Store();
        Metrics.Record(this, Metrics.ObjectsWritten, _fixture.LastWrite.ObjectsWritten);
    }

    /// <summary>Closes and deletes both databases.</summary>
    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>Stage the pages and their tree paths, commit.</summary>
    [Benchmark]
    public Hash Store() => _fixture.Store();

    /// <summary>LZ4 and put each page under a stand-in key, one batch.</summary>
    [Benchmark(Baseline = true)]
    public void RawBatch() => _fixture.RawBatch();

    /// <summary>BLAKE3, LZ4 and put each page under its hash, one batch.</summary>
    [Benchmark]
    public void RawBatchHashed() => _fixture.RawBatchHashed();

    /// <summary>The same staging as Store, then the same pages and nodes put raw in one batch (no counts, no commit record).</summary>
    [Benchmark]
    public void RawBatchSameObjects() => _fixture.RawBatchSameObjects();
}
