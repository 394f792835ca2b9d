using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issues B and D, "warm call overhead vs raw Wasmtime call (≤ 1 µs added)": a top-level
/// <see cref="Session.Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/> of a no-op export on a contract already loaded in the session, against
/// a typed Wasmtime call of the same export (baseline). The engine's share: argument checks, the
/// call context and frame, fuel set and read, globals reset, argument and result copies, the receipt.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.WarmCall)]
public class WarmCallBench
{
    private VM _vm = null!;
    private Session _session = null!;
    private ContractId _id;
    private RawInstance _raw = null!;

    /// <summary>Memory path of the session.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_vm, _id, var root) = BenchContract.Committed(Path, wasmPages: 16, random: false);
        _session = _vm.Session(new SessionData { Base = root });
        _session.Call(_id, "noop", [], BenchContract.Gas);
        _raw = new RawInstance(16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>Typed Wasmtime call of the no-op export (fuel on, refilled every 1M calls).</summary>
    [Benchmark(Baseline = true)]
    public int RawWasmtimeCall() => _raw.Noop(0);

    /// <summary>The same export through a warm session.</summary>
    [Benchmark]
    public CallReceipt SessionCall() => _session.Call(_id, "noop", [], 1_000_000);
}
