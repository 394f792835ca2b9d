using BenchmarkDotNet.Attributes;
using RocksDbSharp;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue J, what a node does per block: one session on the latest commit, N calls spread over M = 100
/// token contracts (<c>tests/contracts/token.c</c>: balances in a hash table over 16 MiB) in a state
/// of <see cref="StateContracts"/> deployed tokens, 1% of them failing in a sub-call
/// (<see cref="TokenBlock"/>), then a commit. Baseline, the physical limit: the same N calls on M
/// raw Wasmtime instances already instantiated and funded (<see cref="RawTokens"/>), plus one raw
/// RocksDB batch of as many objects and bytes as the engine's commit wrote (measured in setup).
/// Needs <c>bash tests/contracts/build.sh</c> first (it reads <c>tests/contracts/out/token.wasm</c>).
/// </summary>
/// <remarks>
/// A node's steady state is the figure: the engine's block code is still being recompiled by the
/// runtime's tiered JIT for its first ~20 blocks (118 ms against 72–75 ms later in the probe), so
/// the job warms up for 10 iterations (each several blocks) and measures 10.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(10)]
[IterationCount(10)]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.Block)]
public class BlockBench
{
    private const int Active = 100;
    private const int DeployChunk = 500;

    private VM _vm = null!;
    private Hash _root;
    private ContractId[] _active = null!;
    private byte[][] _activeBytes = null!;
    private RawTokens _rawTokens = null!;
    private Storage.RawPageDb _rawDb = null!;
    private int _commitObjects, _objectBytes;
    private ulong _rawKey;
    private byte[] _object = null!;
    private readonly byte[] _key = new byte[32];

    /// <summary>Calls per block.</summary>
    [Params(100, 1_000, 10_000)]
    public int N { get; set; }

    /// <summary>Token contracts deployed in the state (the first 100 are the active ones).</summary>
    [Params(1_000, 10_000)]
    public int StateContracts { get; set; }

    /// <summary>Memory path of the sessions.</summary>
    [Params(MemoryPath.Mapped)]
    public MemoryPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var bytecode = File.ReadAllBytes(TokenPath());
        var started = System.Diagnostics.Stopwatch.StartNew();
        _vm = VM.Ephemeral(new VMOptions { Memory = Path });
        _active = new ContractId[Active];
        for (int first = 0; first < StateContracts; first += DeployChunk)
        {
            using var session = first == 0 ? _vm.Session() : _vm.Session(new SessionData { Base = _root });
            for (int k = first; k < Math.Min(StateContracts, first + DeployChunk); k++)
            {
                var id = session.Deploy(bytecode, new ContractData(new byte[32], default, IdOf(k)), TokenBlock.Gas);
                if (k < Active)
                {
                    _active[k] = id;
                    for (int a = 0; a < TokenBlock.Accounts; a++) session.Call(id, "mint", TokenBlock.Mint(k, a), TokenBlock.Gas);
                }
                else
                {
                    session.Call(id, "mint", TokenBlock.Mint(k, 0), TokenBlock.Gas);
                }
            }
            _root = session.Commit();
        }
        _activeBytes = _active.Select(id => id.ToArray()).ToArray();
        Metrics.Note(this, $"state of {StateContracts} tokens built in {started.Elapsed.TotalSeconds:0.0} s");

        _rawTokens = new RawTokens(bytecode, _active);
        _rawDb = new Storage.RawPageDb(durable: false);
        CheckWorkload();
        EngineBlock();
        _commitObjects = checked((int)_vm.LastWrite.ObjectsWritten);
        _objectBytes = checked((int)(_vm.LastWrite.BytesWritten / Math.Max(1, _vm.LastWrite.ObjectsWritten)));
        _object = new byte[_objectBytes];
        Random.Shared.NextBytes(_object);
        Metrics.Record(this, Metrics.ObjectsWritten, _commitObjects);
        Metrics.Record(this, Metrics.BytesWritten, _vm.LastWrite.BytesWritten);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawTokens.Dispose();
        _rawDb.Dispose();
        _rawSmall?.Dispose();
        _vm.Dispose();
    }

    /// <summary>The N calls on raw instances, then one raw batch of the commit's object count and bytes.</summary>
    [Benchmark(Baseline = true)]
    public void RawBlock()
    {
        RawCalls();
        RawBatch();
    }

    /// <summary>The N calls of <see cref="RawBlock"/>.</summary>
    public void RawCalls()
    {
        _rawTokens.Refuel();
        for (int i = 0; i < N; i++) _rawTokens.Run(i, OtherId(i));
    }

    /// <summary>The batch of <see cref="RawBlock"/>.</summary>
    public void RawBatch() => WriteRaw(_rawDb);

    /// <summary>
    /// The same batch into a raw RocksDB set up like the store's columns of small entries (an 8 MiB
    /// memtable, as for nodes and counts), where ~100-byte inserts cost about half what they cost in
    /// <see cref="RawBatch"/>'s default memtable (the block-phases probe reports both). Not the
    /// job's baseline: written back to back, as BenchmarkDotNet does, it stalls on its flushes
    /// (29–229 ms a block in one run), which the store, writing at the engine's pace, does not reach.
    /// </summary>
    public void RawBatchSmallMemtable() => WriteRaw(_rawSmall ??= new Storage.RawPageDb(durable: false, smallEntries: true));

    private Storage.RawPageDb? _rawSmall;

    private void WriteRaw(Storage.RawPageDb db)
    {
        using var batch = new WriteBatch();
        for (int o = 0; o < _commitObjects; o++)
        {
            BitConverter.TryWriteBytes(_key, ++_rawKey * 0x9E3779B97F4A7C15UL);
            batch.Put(_key, _object);
        }
        db.Write(batch);
    }

    /// <summary>A session on the latest commit, the N calls, a commit.</summary>
    [Benchmark]
    public Hash EngineBlock()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        RunCalls(session, 0, N);
        return _root = session.Commit();
    }

    /// <summary>
    /// <see cref="EngineBlock"/> with its parts timed apart (milliseconds): session open, the first
    /// round of calls (one to each active contract), the other calls, the commit (with the session's
    /// close), and the bytes allocated on all threads by the calls and by the commit. For <see cref="BlockPhases"/>.
    /// </summary>
    public (double Open, double FirstRound, double OtherCalls, double Commit, long CallBytes, long CommitBytes) EngineBlockPhases()
    {
        long start = GC.GetTotalAllocatedBytes(precise: true);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        double open, firstRound, calls;
        long afterCalls;
        using (var session = _vm.Session(new SessionData { Base = _root }))
        {
            open = watch.Elapsed.TotalMilliseconds;
            RunCalls(session, 0, Math.Min(N, Active));
            firstRound = watch.Elapsed.TotalMilliseconds;
            RunCalls(session, Math.Min(N, Active), N);
            calls = watch.Elapsed.TotalMilliseconds;
            afterCalls = GC.GetTotalAllocatedBytes(precise: true);
            _root = session.Commit();
        }
        double made = watch.Elapsed.TotalMilliseconds - calls;
        return (open, firstRound - open, calls - firstRound, made, afterCalls - start, GC.GetTotalAllocatedBytes(precise: true) - afterCalls);
    }

    private void RunCalls(Session session, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            int target = TokenBlock.Target(i, Active);
            if (TokenBlock.Fails(i))
                session.Call(_active[target], "transfer_and_forward", TokenBlock.Forward(i, target, OtherId(i)), TokenBlock.Gas);
            else
                session.Call(_active[target], "transfer", TokenBlock.Transfer(i, target), TokenBlock.Gas);
        }
    }

    // The workload must be what it says on both sides: failing forwards report the sub-call's panic.
    private void CheckWorkload()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        _rawTokens.Refuel();
        for (int i = 0; i < 200; i++)
        {
            int target = TokenBlock.Target(i, Active);
            int raw = _rawTokens.Run(i, OtherId(i));
            if (!TokenBlock.Fails(i)) continue;
            var data = session.Call(_active[target], "transfer_and_forward", TokenBlock.Forward(i, target, OtherId(i)), TokenBlock.Gas).Data;
            if (BitConverter.ToInt32(data) != -1 || raw != 4 || BitConverter.ToInt32(_rawTokens.LastResult, 0) != -1)
                throw new InvalidOperationException($"call {i}: the forwarded transfer did not fail in its sub-call");
        }
    }

    private byte[] OtherId(int i) => _activeBytes[TokenBlock.Other(i, Active)];

    private static ContractId IdOf(int k)
    {
        var bytes = new byte[ContractId.Size];
        BitConverter.TryWriteBytes(bytes, k + 1);
        bytes[31] = 0x70; // apart from ids derived from bytecode
        return ContractId.FromBytes(bytes);
    }

    private static string TokenPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = System.IO.Path.Combine(dir.FullName, "tests", "contracts", "out", "token.wasm");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("tests/contracts/out/token.wasm not found: run `bash tests/contracts/build.sh` first.");
    }
}
