using BenchmarkDotNet.Attributes;
using Piecrust.Bench.Storage;
using RocksDbSharp;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue D, "commit with k = 1, 16, 256 dirty pages in a 256 MiB memory (mapped: proportional to
/// k)": a session on the committed memory makes one call that writes 8 bytes into each of k pages
/// (new values every time, so every commit is new), then commits; the session is already open and the
/// contract loaded (that cost is <see cref="FirstCallBench"/>'s). Baseline: LZ4 and a raw RocksDB
/// batch of the same k pages — the floor for putting k pages on disk.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.Commit)]
public class CommitBench
{
    private const int WasmPages = 256 * 16;
    private VM _vm = null!;
    private Session _session = null!;
    private ContractId _id;
    private RawPageDb _raw = null!;
    private ulong _counter;
    private readonly byte[] _page = new byte[4096];
    private readonly byte[] _key = new byte[32];

    /// <summary>Dirty pages per commit.</summary>
    [Params(1, 16, 256)]
    public int K { get; set; }

    /// <summary>Memory path of the session.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_vm, _id, var root) = BenchContract.Committed(Path, WasmPages, random: false);
        _session = _vm.Session(new SessionData { Base = root });
        _session.Call(_id, "noop", [], BenchContract.Gas);
        _raw = new RawPageDb(durable: false);
        CallAndCommit();
        Metrics.Record(this, Metrics.ObjectsWritten, _vm.LastWrite.ObjectsWritten);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>LZ4 and put k pages into a raw RocksDB, one batch.</summary>
    [Benchmark(Baseline = true)]
    public void RawBatch()
    {
        using var batch = new WriteBatch();
        for (int i = 0; i < K; i++)
        {
            BitConverter.TryWriteBytes(_page, ++_counter);
            BitConverter.TryWriteBytes(_key, _counter * 0x9E3779B97F4A7C15UL);
            _raw.Put(batch, _key, _page);
        }
        _raw.Write(batch);
    }

    /// <summary>One call writing k pages, then a commit.</summary>
    [Benchmark]
    public Hash CallAndCommit()
    {
        _session.Call(_id, "dirty", BenchContract.Dirty(16, (uint)K, ++_counter), BenchContract.Gas);
        return _session.Commit();
    }
}
