using BenchmarkDotNet.Attributes;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue J, point 2: the first call in the very first session of a freshly opened VM, on a store
/// whose contract is committed and whose compiled module is cached, against the warm first call of
/// <see cref="FirstCallBench"/> (a VM that has run sessions: module loaded, image built, an idle
/// instance showing it). Cold: open the VM without any warm-up (<see cref="VMOptions.WarmUpOnOpen"/> 0;
/// not measured), then session, first call, close. Warmed up: the same after <see cref="VM.WarmUp"/>
/// (not measured here; <see cref="OpenAndWarmUp"/> measures it with the open, beside <see cref="Open"/>
/// alone). Reopened: a VM opened with the default options, which warm up the contracts the store's
/// last VM ran (<see cref="OpenRemembering"/> measures that open). One invocation per iteration:
/// each cold iteration needs a VM of its own.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[IterationCount(15)]
[WarmupCount(2)]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.FirstCall)]
public class ColdStartBench
{
    private static readonly byte[] Page7 = BenchContract.Args(7);
    private string _directory = null!;
    private VM _warm = null!;
    private ContractId _warmId;
    private Hash _warmRoot;
    private VM? _vm;
    private ContractId _id;
    private Hash _root;

    /// <summary>Memory size in MiB (dense: every 4 KiB page holds data).</summary>
    [Params(1)]
    public int MemoryMiB { get; set; }

    /// <summary>Memory path of the sessions.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    private VMOptions Options => new() { Memory = Path };

    private VMOptions ColdOptions => Options with { WarmUpOnOpen = 0 };

    [GlobalSetup]
    public void Setup()
    {
        (_warm, _warmId, _warmRoot) = BenchContract.Committed(Path, MemoryMiB * 16, random: false);
        WarmFirstCall(); // the image built and an idle instance left, as after a node's first sessions
        _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "piecrust-coldstart-" + Guid.NewGuid().ToString("N"));
        using var vm = VM.Open(_directory, Options);
        using var session = vm.Session();
        _id = session.Deploy(BenchContract.Bytes(MemoryMiB * 16), new ContractData(new byte[32]), BenchContract.Gas);
        session.Call(_id, "fill", BenchContract.Args(42, 0), BenchContract.Gas);
        _root = session.Commit(); // the module is cached in the store with the commit; the VM remembers the contract when it closes
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _warm.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [IterationSetup(Targets = [nameof(ColdFirstCall)])]
    public void OpenCold() => _vm = VM.Open(_directory, ColdOptions);

    [IterationSetup(Targets = [nameof(WarmedUpFirstCall)])]
    public void OpenWarmedUp()
    {
        _vm = VM.Open(_directory, ColdOptions);
        _vm.WarmUp(_root, [_id]);
    }

    [IterationSetup(Targets = [nameof(ReopenedFirstCall)])]
    public void OpenReopened() => _vm = VM.Open(_directory, Options);

    [IterationCleanup]
    public void Close()
    {
        _vm?.Dispose();
        _vm = null;
    }

    /// <summary>A VM that has run sessions: new session, first call, close (FirstCallBench's SessionFirstCall).</summary>
    [Benchmark(Baseline = true)]
    public CallReceipt WarmFirstCall()
    {
        using var session = _warm.Session(new SessionData { Base = _warmRoot });
        return session.Call(_warmId, "touch", Page7, BenchContract.Gas);
    }

    /// <summary>The first session of a freshly opened VM: new session, first call, close.</summary>
    [Benchmark]
    public CallReceipt ColdFirstCall()
    {
        using var session = _vm!.Session(new SessionData { Base = _root });
        return session.Call(_id, "touch", Page7, BenchContract.Gas);
    }

    /// <summary>The same after <see cref="VM.WarmUp"/> of the contract.</summary>
    [Benchmark]
    public CallReceipt WarmedUpFirstCall()
    {
        using var session = _vm!.Session(new SessionData { Base = _root });
        return session.Call(_id, "touch", Page7, BenchContract.Gas);
    }

    /// <summary>The first session of a VM opened with the default options (it warmed up the contract the store's last VM ran).</summary>
    [Benchmark]
    public CallReceipt ReopenedFirstCall()
    {
        using var session = _vm!.Session(new SessionData { Base = _root });
        return session.Call(_id, "touch", Page7, BenchContract.Gas);
    }

    /// <summary>
    /// For <see cref="ColdStartPhases"/>: a session on the open VM with two calls, each part timed
    /// apart (µs): the session's open, its first call, its second call, its close.
    /// </summary>
    internal (double Open, double FirstCall, double SecondCall, double Close) Phases()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var session = _vm!.Session(new SessionData { Base = _root });
        double open = watch.Elapsed.TotalMicroseconds;
        session.Call(_id, "touch", Page7, BenchContract.Gas);
        double first = watch.Elapsed.TotalMicroseconds;
        session.Call(_id, "touch", Page7, BenchContract.Gas);
        double second = watch.Elapsed.TotalMicroseconds;
        session.Dispose();
        double close = watch.Elapsed.TotalMicroseconds;
        return (open, first - open, second - first, close - second);
    }

    /// <summary>Opening the VM (RocksDB, the engine, the caches), without a warm-up.</summary>
    [Benchmark]
    public VM Open() => _vm = VM.Open(_directory, ColdOptions);

    /// <summary>Opening the VM and warming the contract up.</summary>
    [Benchmark]
    public int OpenAndWarmUp()
    {
        _vm = VM.Open(_directory, ColdOptions);
        return _vm.WarmUp(_root, [_id]);
    }

    /// <summary>Opening the VM with the default options: it warms up the contract the store's last VM ran.</summary>
    [Benchmark]
    public VM OpenRemembering() => _vm = VM.Open(_directory, Options);
}
