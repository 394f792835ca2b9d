using System.Globalization;
using Piecrust.Crash;
using Piecrust.Storage;
using Piecrust.Tests.Engine;

namespace Piecrust.Tests.Crash;

/// <summary>
/// One store directory that crash children work on in turn, and the model of what it must hold.
/// Each round starts a child on the directory, kills it (by a fault point, after some
/// acknowledgements, or after a delay), then checks the store the child left behind and folds the
/// child's acknowledged operations into the model. Kills accumulate on the same store for as many
/// rounds as the lane runs. Used by one thread.
/// </summary>
/// <remarks>
/// The check after each round, in order: <see cref="VM.FsckDirectory"/> on the store exactly as the
/// killed process left it (nothing reclaimed or written first) must be clean; <see cref="VM.Open"/>
/// must succeed (the dead process holds no lock); <see cref="VM.Fsck"/> must be clean with no
/// deletion still pending (open reclaims them); the live commits, their parents and the finalized mark
/// must equal the model with or without the one operation that was in flight (when a fault point says
/// which, exactly that one: before a write nothing happened, after it everything did); and every live
/// commit must hold exactly the model's counters with the model's values, read through a session.
/// </remarks>
internal sealed class CrashLane : IDisposable
{
    /// <summary>Operations a child runs when a fault point, not the test, is meant to kill it.</summary>
    private const int FaultRoundOperations = 30;

    private static readonly StoreFault[] FaultPoints = Enum.GetValues<StoreFault>();

    private readonly Random _random;
    private readonly string _contract;
    private CrashModel _model = new();
    private double _averageOpenMilliseconds = 1000;

    public CrashLane(int seed, string contract)
    {
        _random = new Random(seed);
        _contract = contract;
        Directory = Storage.StoreFixture.TempDirectory();
    }

    /// <summary>The store directory (created by the first child).</summary>
    public string Directory { get; }

    /// <summary>What this lane has done so far.</summary>
    public CrashStatistics Statistics { get; } = new();

    /// <summary>Runs one round with a random plan. Throws (an xunit assertion) when the store is wrong.</summary>
    public RoundResult RunRound()
    {
        var plan = (KillPlan)_random.Next(3);
        (StoreFault, int)? fault = plan == KillPlan.Fault ? (FaultPoints[_random.Next(FaultPoints.Length)], 1 + _random.Next(3)) : null;
        return RunRound(plan, fault);
    }

    /// <summary>
    /// Runs one round: a child on the store, its death by <paramref name="plan"/> (at
    /// <paramref name="fault"/> for <see cref="KillPlan.Fault"/>), the check of what it left.
    /// Throws (an xunit assertion) when the store is wrong.
    /// </summary>
    public RoundResult RunRound(KillPlan plan, (StoreFault Point, int Occurrence)? fault)
    {
        var options = new ChildOptions(
            Directory,
            _contract,
            _random.Next(),
            plan == KillPlan.Fault ? FaultRoundOperations : 10_000,
            _random.Next(2) == 0 ? HistoryMode.Archive : HistoryMode.Prune,
            // Image files exist on the mapped path only, so fault rounds stay there.
            plan != KillPlan.Fault && _random.Next(5) == 0 ? MemoryPath.Plain : MemoryPath.Mapped,
            plan == KillPlan.Fault ? fault ?? throw new ArgumentNullException(nameof(fault)) : null);
        int acks = _random.Next(10);
        // Around the time a child takes to open its VM: some kills land in start-up and store recovery, most after.
        var delay = TimeSpan.FromMilliseconds((0.7 + 1.3 * _random.NextDouble()) * _averageOpenMilliseconds);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ChildProcess.Run(options, plan, acks, delay);
        Statistics.ChildTime += clock.Elapsed;
        Statistics.Rounds++;
        if (result.ExitCode != 0 && !result.Killed)
            throw new Xunit.Sdk.XunitException($"The crash child failed (exit {result.ExitCode}) with {Describe(options)}:\n{result.Stderr}\nLast lines:\n{Tail(result.Lines)}");
        if (result.MillisecondsToOpen is { } open)
            _averageOpenMilliseconds = 0.8 * _averageOpenMilliseconds + 0.2 * open;

        var transcript = Transcript.Apply(result.Lines, _model, options.History);
        _model = transcript.Model;
        var inFlight = transcript.InFlight;
        var expected = ExpectedOutcome(result, options, inFlight);

        clock.Restart();
        var context = $"{Describe(options)} (round {Statistics.Rounds}, {plan}, killed: {result.Killed})\nLast lines:\n{Tail(result.Lines)}";
        var (kept, pendingAtDeath) = Check(inFlight, expected, context);
        Statistics.CheckTime += clock.Elapsed;

        if (result.Killed)
        {
            Statistics.CountKill(plan, options.Fault?.Point, result.MillisecondsToOpen is null, inFlight, pendingAtDeath);
            if (inFlight?.After is not null) (kept ? Statistics.InFlightKept : Statistics.InFlightLost)[inFlight.Kind]++;
        }
        if (kept) _model = inFlight!.After!;
        Statistics.MaxLiveCommits = Math.Max(Statistics.MaxLiveCommits, _model.Commits.Count);
        return new RoundResult(result.Killed, inFlight, kept);
    }

    /// <summary>Which states may follow: the model without the in-flight operation, with it, or either.</summary>
    private static Outcome ExpectedOutcome(ChildResult result, ChildOptions options, InFlightOperation? inFlight)
    {
        if (!result.Killed || options.Fault is not { } fault || inFlight?.After is null) return Outcome.Either;
        return (fault.Point, inFlight.Kind) switch
        {
            (StoreFault.BeforeCommitWrite, _) or (StoreFault.BeforeReclaimWrite, _) => Outcome.Before,
            (StoreFault.AfterCommitWrite, CrashProtocol.Commit) => Outcome.After,
            (StoreFault.AfterReclaimWrite, CrashProtocol.Delete or CrashProtocol.Finalize) => Outcome.After,
            // The lane's commits are small (under PageTreeUpdates.ParallelFromPages pages): their image files follow the batch.
            (StoreFault.ImageWrite, CrashProtocol.Commit) => Outcome.After,
            _ => Outcome.Either,
        };
    }

    private enum Outcome { Before, After, Either }

    /// <summary>
    /// Checks the store; returns whether the in-flight operation took effect and whether the dead
    /// process left a deletion pending (deferred by a lease).
    /// </summary>
    private (bool Kept, bool PendingAtDeath) Check(InFlightOperation? inFlight, Outcome expected, string context)
    {
        bool pending = false;
        if (VM.StoreExists(Directory))
        {
            var raw = VM.FsckDirectory(Directory);
            if (!raw.IsClean)
                throw new Xunit.Sdk.XunitException($"fsck of the store as the child left it found problems:\n{string.Join("\n", raw.Problems)}\n{context}");
            pending = raw.PendingDeletes > 0;
        }
        using var vm = VM.Open(Directory);
        var images = Path.Combine(Directory, "images");
        if (System.IO.Directory.EnumerateFileSystemEntries(images).Any())
            throw new Xunit.Sdk.XunitException($"Image files of the dead process survived the reopening: {string.Join(", ", System.IO.Directory.EnumerateFileSystemEntries(images))}\n{context}");
        var report = vm.Fsck();
        if (!report.IsClean)
            throw new Xunit.Sdk.XunitException($"fsck after reopening found problems:\n{string.Join("\n", report.Problems)}\n{context}");
        if (report.PendingDeletes != 0)
            throw new Xunit.Sdk.XunitException($"{report.PendingDeletes} deletions are still pending after reopening.\n{context}");

        var log = vm.CommitLog;
        var finalized = vm.FinalizedCommit;
        var before = _model.Differences(log, finalized);
        var after = inFlight?.After?.Differences(log, finalized);
        bool kept;
        if (expected != Outcome.After && before.Count == 0) kept = false;
        else if (expected != Outcome.Before && after is { Count: 0 }) kept = true;
        else
        {
            var message = $"The reopened store holds neither the acknowledged state{(after is null ? "" : " nor that state plus the operation in flight")}"
                + $" (expected: {expected}; in flight: {inFlight?.Line ?? "nothing"}).\n"
                + $"Against the acknowledged state:\n  {string.Join("\n  ", before)}\n"
                + (after is null ? "" : $"Against it plus the operation in flight:\n  {string.Join("\n  ", after)}\n")
                + context;
            throw new Xunit.Sdk.XunitException(message);
        }
        CheckValues(vm, kept ? inFlight!.After! : _model, context);
        return (kept, pending);
    }

    private static void CheckValues(VM vm, CrashModel model, string context)
    {
        foreach (var (root, commit) in model.Commits)
        {
            var contracts = vm.Contracts(root).Select(c => c.Id).Order().ToArray();
            if (!contracts.SequenceEqual(commit.Values.Keys.Order()))
                throw new Xunit.Sdk.XunitException($"Commit {root} holds contracts [{string.Join(", ", contracts)}], expected [{string.Join(", ", commit.Values.Keys.Order())}].\n{context}");
            using var session = vm.Session(new SessionData { Base = root });
            foreach (var (id, value) in commit.Values)
            {
                ulong actual = BitConverter.ToUInt64(session.Call(id, CrashProtocol.ReadValue, [], CrashProtocol.Gas).Data);
                if (actual != value)
                    throw new Xunit.Sdk.XunitException($"Counter {id} in commit {root} reads {actual}, expected {value}.\n{context}");
            }
        }
    }

    private static string Describe(ChildOptions options) => string.Join(' ', options.ToArguments());

    private static string Tail(IReadOnlyList<string> lines) => string.Join("\n", lines.Skip(Math.Max(0, lines.Count - 8)));

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>How a round ended.</summary>
/// <param name="Killed">The child died by SIGKILL.</param>
/// <param name="InFlight">The operation it had begun and not acknowledged.</param>
/// <param name="Kept">The reopened store shows that operation done.</param>
internal sealed record RoundResult(bool Killed, InFlightOperation? InFlight, bool Kept);
