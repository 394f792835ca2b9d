using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue L, "per-commit and per-session cost at 1k, 10k and 50k commits: flat". One long-lived VM
/// (mapped memory path, archive history, not durable) with ten contracts of 1 MiB; one session calls
/// each (one scattered page written) and commits, <see cref="Commits"/> times, in this process; then
/// <see cref="CommitTenContracts"/> goes on doing that (per-commit cost; the history grows by the
/// few hundred commits the measurement makes) and <see cref="OpenSessionAndFirstCall"/> opens a session
/// on the latest commit, calls one contract (one page written) and closes it (per-session cost).
/// Compare the rows across <see cref="Commits"/>: flat means the same within noise. Baseline: a raw
/// Wasmtime call of the same write. Runs in the host process, so the history is built once per
/// <see cref="Commits"/> and shared by the cases (a benchmark process per case would build 50,000
/// commits three times). Recorded once per history length: the process's CPU time per commit over the
/// last 500 commits of the history and per session over 500 sessions after it, and the descriptors,
/// mappings and image bytes then.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.History)]
[HistoryBench.InHostProcess]
public class HistoryBench
{
    private const int WasmPages = 16, ContractCount = 10, WritablePages = 255;

    /// <summary>Commits (the last of the history) and sessions (right after it) whose CPU time is recorded.</summary>
    private const int CpuSample = 500;
    private static readonly Dictionary<int, History> Histories = new();
    private History _history = null!;
    private RawInstance _raw = null!;
    private ulong _counter;

    /// <summary>Commits made before measuring.</summary>
    [ParamsSource(nameof(Lengths))]
    public int Commits { get; set; }

    /// <summary>1,000, 10,000 and 50,000 commits, or the lengths listed in <c>$PIECRUST_HISTORY_COMMITS</c> (comma-separated).</summary>
    public static IEnumerable<int> Lengths() =>
        Environment.GetEnvironmentVariable("PIECRUST_HISTORY_COMMITS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse)
            : [1_000, 10_000, 50_000];

    /// <summary>A VM, its ten contracts and the session that commits, kept for every case with the same history length.</summary>
    private sealed class History
    {
        public required VM Vm { get; init; }
        public required ContractId[] Ids { get; init; }
        public required Session Session { get; init; }
        public int Made { get; set; }
    }

    /// <summary>
    /// Runs the class's cases in the host process (one shared history per length) with time enough to
    /// build 50,000 commits, and 15 measured iterations: a store that just took thousands of commits
    /// compacts in the background, and single iterations land in those compactions.
    /// </summary>
    public sealed class InHostProcessAttribute() : JobMutatorConfigBaseAttribute(
        Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(4), logOutput: true)).WithIterationCount(15));

    [GlobalSetup(Target = nameof(RawWrite))]
    public void SetupRaw() => _raw = new RawInstance(WasmPages);

    [GlobalSetup(Targets = [nameof(CommitTenContracts), nameof(OpenSessionAndFirstCall)])]
    public void Setup()
    {
        if (Histories.TryGetValue(Commits, out var history))
        {
            _history = history;
            return;
        }
        // Cases run length by length: the previous history is done with (its VM's descriptors and background work would count here).
        foreach (var done in Histories.Values)
        {
            done.Session.Dispose();
            done.Vm.Dispose();
        }
        Histories.Clear();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var vm = VM.Ephemeral(new VMOptions { Memory = MemoryPath.Mapped, History = HistoryMode.Archive });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => vm.Dispose(); // the last history (disposing twice is harmless)
        var ids = Enumerable.Range(0, ContractCount).Select(i => new ContractId(Hash.Of(BitConverter.GetBytes(i)))).ToArray();
        Hash deployed;
        using (var deploy = vm.Session())
        {
            foreach (var id in ids) deploy.Deploy(BenchContract.Bytes(WasmPages), new ContractData(new byte[32], default, id), BenchContract.Gas);
            deployed = deploy.Commit();
        }
        _history = Histories[Commits] = new History { Vm = vm, Ids = ids, Session = vm.Session(new SessionData { Base = deployed }) };
        while (_history.Made < Commits - CpuSample) CommitTenContracts();
        // The process's CPU time (every thread: RocksDB's compactions and the GC included) over the
        // last commits of the history and over as many sessions after it: less swayed than wall time
        // by whatever else runs on the machine.
        double commitMs = CpuMilliseconds(() => { while (_history.Made < Commits) CommitTenContracts(); }) / CpuSample;
        double sessionMs = CpuMilliseconds(() => { for (int i = 0; i < CpuSample; i++) OpenSessionAndFirstCall(); }) / CpuSample;
        var figures = ProcessFigures.Measure(vm.Directory);
        Metrics.Record(this, Metrics.Descriptors, figures.Descriptors);
        Metrics.Record(this, Metrics.Mappings, figures.Mappings);
        Metrics.Record(this, Metrics.ImageMiB, figures.ImageBytes / (1024.0 * 1024.0));
        Metrics.Record(this, Metrics.CpuMsPerCommit, commitMs);
        Metrics.Record(this, Metrics.CpuUsPerSession, sessionMs * 1000);
        Metrics.Note(this, $"{Commits} commits built in {clock.Elapsed.TotalSeconds:F0} s; {figures}; CPU {commitMs:F2} ms per commit, {sessionMs * 1000:F0} µs per session");
    }

    private static double CpuMilliseconds(Action action)
    {
        var before = Environment.CpuUsage.TotalTime;
        action();
        return (Environment.CpuUsage.TotalTime - before).TotalMilliseconds;
    }

    [GlobalCleanup(Targets = [nameof(CommitTenContracts), nameof(OpenSessionAndFirstCall)])]
    public void Cleanup() =>
        Metrics.Note(this, $"after measuring: {_history.Made} commits in all; {ProcessFigures.Measure(_history.Vm.Directory)}");

    [GlobalCleanup(Target = nameof(RawWrite))]
    public void CleanupRaw() => _raw.Dispose();

    /// <summary>The same write by a raw Wasmtime call.</summary>
    [Benchmark(Baseline = true)]
    public int RawWrite()
    {
        BenchContract.Dirty(3, 1, ++_counter).CopyTo(_raw.Memory.GetSpan(0, 16));
        return _raw.Dirty(16);
    }

    /// <summary>Each of the ten contracts writes one page (a different one each commit), then the session commits.</summary>
    [Benchmark]
    public Hash CommitTenContracts()
    {
        int k = _history.Made++;
        for (int c = 0; c < ContractCount; c++)
        {
            uint page = (uint)(1 + (k * 7L + c * 31L) % WritablePages);
            _history.Session.Call(_history.Ids[c], "dirty", BenchContract.Dirty(page, 1, (ulong)k + 1), BenchContract.Gas);
        }
        return _history.Session.Commit();
    }

    /// <summary>A new session on the latest commit, one call of one contract (one page written), closed.</summary>
    [Benchmark]
    public CallReceipt OpenSessionAndFirstCall()
    {
        using var session = _history.Vm.Session(new SessionData { Base = _history.Session.Base });
        return session.Call(_history.Ids[(int)(++_counter % ContractCount)], "touch", BenchContract.Args(7), BenchContract.Gas);
    }
}
