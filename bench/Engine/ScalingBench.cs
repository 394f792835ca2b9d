using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue C, "commit cost with 1 dirty page stays flat as the total state grows (10 → 10,000
/// contracts, 1 MiB each, sparse); open-session cost flat in state size". The state holds
/// <see cref="Contracts"/> contracts with 1 MiB memories of which 2 pages hold data. Compare the
/// rows across <see cref="Contracts"/>: flat means the same times within noise. Baseline: a raw
/// Wasmtime call of the same write.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.Scaling)]
public class ScalingBench
{
    private const int WasmPages = 16;
    private VM _vm = null!;
    private Hash _root;
    private ContractId[] _ids = [];
    private RawInstance _raw = null!;
    private ulong _counter;

    /// <summary>Contracts in the state.</summary>
    [Params(10, 1000, 10000)]
    public int Contracts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _vm = VM.Ephemeral();
        var bytecode = BenchContract.Bytes(WasmPages);
        _ids = Enumerable.Range(0, Contracts).Select(i => new ContractId(Hash.Of(BitConverter.GetBytes(i)))).ToArray();
        Hash? root = null;
        // Deploy in sessions of 500 contracts so no session holds too many instances at once.
        foreach (var chunk in _ids.Chunk(500))
        {
            using var session = _vm.Session(new SessionData { Base = root });
            foreach (var id in chunk)
            {
                session.Deploy(bytecode, new ContractData(new byte[32], default, id), BenchContract.Gas);
                session.Call(id, "dirty", BenchContract.Dirty(3, 2, 7), BenchContract.Gas);
            }
            root = session.Commit();
        }
        _root = root!.Value;
        _raw = new RawInstance(WasmPages);
        Metrics.Note(this, $"state of {Contracts} contracts committed");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>The same write by a raw Wasmtime call.</summary>
    [Benchmark(Baseline = true)]
    public int RawWrite()
    {
        BenchContract.Dirty(3, 1, ++_counter).CopyTo(_raw.Memory.GetSpan(0, 16));
        return _raw.Dirty(16);
    }

    /// <summary>Open a session, call one contract (load it) and close: flat in state size.</summary>
    [Benchmark]
    public CallReceipt OpenSessionAndCall()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        return session.Call(_ids[(int)(++_counter % (ulong)_ids.Length)], "noop", [], BenchContract.Gas);
    }

    /// <summary>Open a session, change one page of one contract, commit, close: flat in state size.</summary>
    [Benchmark]
    public Hash CommitOneDirtyPage()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        session.Call(_ids[(int)(++_counter % (ulong)_ids.Length)], "dirty", BenchContract.Dirty(3, 1, _counter), BenchContract.Gas);
        return session.Commit();
    }
}
