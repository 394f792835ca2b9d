using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue D, "first call of a contract in a session touching 1 page, memory size 1/64/256 MiB
/// (mapped: flat, ≤ 50 µs)": open a session on a commit, make one call that increments a u64 in one
/// page, close the session. The memory is dense (every 4 KiB page holds data), so the plain path
/// reads and copies all of it. The image of the memory root is built once, in warm-up (a node builds
/// it once per process and memory root), and after warm-up each session takes over the instance the
/// previous one left (as a node's back-to-back sessions do). Baseline: Wasmtime itself instantiating
/// the module with a fresh memory of the same size and making the same call.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.FirstCall)]
public class FirstCallBench
{
    private VM _vm = null!;
    private ContractId _id;
    private Hash _root;
    private RawInstance _raw = null!;
    private static readonly byte[] Page7 = BenchContract.Args(7);

    /// <summary>Memory size in MiB.</summary>
    [Params(1, 64, 256)]
    public int MemoryMiB { get; set; }

    /// <summary>Memory path of the session.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_vm, _id, _root) = BenchContract.Committed(Path, MemoryMiB * 16, random: false);
        _raw = new RawInstance(MemoryMiB * 16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>Wasmtime: new store and instance, one call.</summary>
    [Benchmark(Baseline = true)]
    public int RawInstantiateAndCall()
    {
        _raw.Instantiate();
        BenchContract.Args(7).CopyTo(_raw.Memory.GetSpan(0, 4));
        return _raw.Touch(4);
    }

    /// <summary>New session on the commit, first call of the contract, session closed.</summary>
    [Benchmark]
    public CallReceipt SessionFirstCall()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        return session.Call(_id, "touch", Page7, BenchContract.Gas);
    }
}
