using Piecrust.Crash;
using Piecrust.Storage;

namespace Piecrust.Tests.Crash;

/// <summary>What crash rounds did: kills by kind, and what became of the operations in flight.</summary>
internal sealed class CrashStatistics
{
    private static readonly string[] Operations = [CrashProtocol.Commit, CrashProtocol.Delete, CrashProtocol.Finalize, CrashProtocol.Release, CrashProtocol.Collect];

    /// <summary>Children started.</summary>
    public int Rounds { get; set; }

    /// <summary>Children that died by SIGKILL (from the test or from themselves at a fault point).</summary>
    public int Kills { get; private set; }

    /// <summary>Kills before the child had opened its VM (during start-up, RocksDB recovery or reclamation of pending deletions).</summary>
    public int KillsBeforeOpen { get; private set; }

    /// <summary>Kills per plan.</summary>
    public Dictionary<KillPlan, int> ByPlan { get; } = Enum.GetValues<KillPlan>().ToDictionary(p => p, _ => 0);

    /// <summary>Kills per fault point.</summary>
    public Dictionary<StoreFault, int> ByFault { get; } = Enum.GetValues<StoreFault>().ToDictionary(p => p, _ => 0);

    /// <summary>Kills per operation in flight ("none" when the child was between operations).</summary>
    public Dictionary<string, int> ByInFlight { get; } = Operations.Append("none").ToDictionary(o => o, _ => 0);

    /// <summary>In-flight operations that the reopened store shows as done.</summary>
    public Dictionary<string, int> InFlightKept { get; } = Operations.ToDictionary(o => o, _ => 0);

    /// <summary>In-flight operations that the reopened store shows as never begun.</summary>
    public Dictionary<string, int> InFlightLost { get; } = Operations.ToDictionary(o => o, _ => 0);

    /// <summary>Wall-clock time spent running children, for the summary only.</summary>
    public TimeSpan ChildTime { get; set; }

    /// <summary>Wall-clock time spent checking stores after kills, for the summary only.</summary>
    public TimeSpan CheckTime { get; set; }

    /// <summary>Most live commits the model held after a round.</summary>
    public int MaxLiveCommits { get; set; }

    /// <summary>Kills that left a deletion pending (deferred by a lease), for the next open to reclaim.</summary>
    public int KillsWithPendingDeletion { get; private set; }

    public void CountKill(KillPlan plan, StoreFault? fault, bool beforeOpen, InFlightOperation? inFlight, bool pendingDeletion)
    {
        Kills++;
        if (pendingDeletion) KillsWithPendingDeletion++;
        ByPlan[plan]++;
        if (fault is { } f && plan == KillPlan.Fault) ByFault[f]++;
        if (beforeOpen) KillsBeforeOpen++;
        ByInFlight[inFlight?.Kind ?? "none"]++;
    }

    /// <summary>Adds another lane's figures to these.</summary>
    public void Add(CrashStatistics other)
    {
        Rounds += other.Rounds;
        Kills += other.Kills;
        KillsBeforeOpen += other.KillsBeforeOpen;
        KillsWithPendingDeletion += other.KillsWithPendingDeletion;
        MaxLiveCommits = Math.Max(MaxLiveCommits, other.MaxLiveCommits);
        ChildTime += other.ChildTime;
        CheckTime += other.CheckTime;
        foreach (var (k, v) in other.ByPlan) ByPlan[k] += v;
        foreach (var (k, v) in other.ByFault) ByFault[k] += v;
        foreach (var (k, v) in other.ByInFlight) ByInFlight[k] += v;
        foreach (var (k, v) in other.InFlightKept) InFlightKept[k] += v;
        foreach (var (k, v) in other.InFlightLost) InFlightLost[k] += v;
    }

    public override string ToString() =>
        $"{Kills} kills survived in {Rounds} rounds ({KillsBeforeOpen} before the VM was open, {KillsWithPendingDeletion} with a deletion pending); "
        + $"by plan: {Join(ByPlan)}; by fault point: {Join(ByFault)}; in flight: {Join(ByInFlight)}; "
        + $"in flight and kept: {Join(InFlightKept)}; in flight and lost: {Join(InFlightLost)}; at most {MaxLiveCommits} live commits; "
        + $"{ChildTime.TotalSeconds:F0} s in children, {CheckTime.TotalSeconds:F0} s checking";

    private static string Join<TKey>(Dictionary<TKey, int> counts) where TKey : notnull =>
        string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
}
