using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Storage;

/// <summary>
/// <see cref="StoreWriteBench"/> with fsync on both sides (a durable store against a raw batch
/// written with sync on), for 16 sparse pages: what a node's commit costs when it must survive
/// power loss. The fsync usually dominates both sides.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage, Categories.StoreWrite, Categories.Durable)]
public class StoreWriteDurableBench
{
    private StoreWriteFixture _fixture = null!;

    /// <summary>Dirty pages per commit.</summary>
    [Params(16)]
    public int N { get; set; }

    /// <summary>What the pages hold.</summary>
    [Params(PageContent.Sparse)]
    public PageContent Content { get; set; }

    /// <summary>Commits the base memory and opens the raw database, both durable.</summary>
    [GlobalSetup]
    public void Setup() => _fixture = new StoreWriteFixture(N, Content, durable: true);

    /// <summary>Closes and deletes both databases.</summary>
    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>Stage the pages and their tree paths, commit (fsync'd).</summary>
    [Benchmark]
    public void Store() => _fixture.Store();

    /// <summary>LZ4 and put each page under a stand-in key, one batch (fsync'd).</summary>
    [Benchmark(Baseline = true)]
    public void RawBatch() => _fixture.RawBatch();
}
