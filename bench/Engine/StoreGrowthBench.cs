using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue D, "store growth per commit for an 8-byte change in a 1 MiB random memory (≤ 8 KiB)":
/// each invocation writes 8 new bytes into one page of a memory filled with random bytes (which do
/// not compress) and commits. The ObjectsWritten column and the <c>// metric</c> lines give what
/// one commit adds: the new page, the page-tree path, the contract leaf and tree path, the counts and
/// the commit record (<see cref="VM.LastWrite"/>, keys and values). Baseline: the raw page write of
/// <see cref="CommitBench"/>'s kind is not meaningful here; the time is reported for completeness
/// against a raw Wasmtime call of the same write.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.Growth)]
public class StoreGrowthBench
{
    private VM _vm = null!;
    private Session _session = null!;
    private ContractId _id;
    private RawInstance _raw = null!;
    private ulong _counter;

    /// <summary>Memory path of the session.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_vm, _id, var root) = BenchContract.Committed(Path, wasmPages: 16, random: true);
        _session = _vm.Session(new SessionData { Base = root });
        _raw = new RawInstance(16);
        ChangeEightBytesAndCommit();
        var write = _vm.LastWrite;
        Metrics.Record(this, Metrics.ObjectsWritten, write.ObjectsWritten);
        Metrics.Record(this, Metrics.BytesWritten, write.BytesWritten);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>The same 8-byte write by a raw Wasmtime call.</summary>
    [Benchmark(Baseline = true)]
    public int RawWrite()
    {
        BenchContract.Dirty(100, 1, ++_counter).CopyTo(_raw.Memory.GetSpan(0, 16));
        return _raw.Dirty(16);
    }

    /// <summary>Write 8 bytes into one page and commit.</summary>
    [Benchmark]
    public Hash ChangeEightBytesAndCommit()
    {
        _session.Call(_id, "dirty", BenchContract.Dirty(100, 1, ++_counter), BenchContract.Gas);
        return _session.Commit();
    }
}
