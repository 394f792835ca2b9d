using Piecrust.Crash;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Crash;

/// <summary>
/// Crash safety: a child process runs commits, deletions (immediate and deferred by a lease) and
/// finalizations (archive and prune) on a durable store and is killed with SIGKILL at random points
/// and at the store's fault points; after every kill the store must pass fsck, reopen, and hold
/// exactly the acknowledged state, or that state plus the one operation in flight.
/// </summary>
/// <remarks>
/// <c>PIECRUST_CRASH_KILLS</c> sets how many kills to survive (default <see cref="DefaultKills"/>);
/// <c>PIECRUST_CRASH_SEED</c> the seed of every choice (the timing of delayed kills still varies);
/// <c>PIECRUST_CRASH_LANES</c> how many stores are crashed side by side (default: one per processor,
/// at most four). A child costs about a second of CPU to start (most of it RocksDB's managed
/// bindings), which is what bounds the rate; lanes use the other cores.
/// </remarks>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    /// <summary>Kills per CI run.</summary>
    public const int DefaultKills = 200;

    [Fact]
    public void Stores_killed_at_random_points_and_fault_points_keep_exactly_the_acknowledged_state()
    {
        int target = Setting("PIECRUST_CRASH_KILLS", DefaultKills);
        int seed = Setting("PIECRUST_CRASH_SEED", 20251125);
        int lanes = Math.Clamp(Setting("PIECRUST_CRASH_LANES", Math.Min(Environment.ProcessorCount, 4)), 1, Math.Max(1, target));
        string contract = CounterContract();

        var statistics = new CrashStatistics[lanes];
        var failures = new Exception?[lanes];
        int failed = 0;
        var threads = Enumerable.Range(0, lanes).Select(lane => new Thread(() =>
        {
            using var crash = new CrashLane(HashCode.Combine(seed, lane), contract);
            statistics[lane] = crash.Statistics;
            int quota = target / lanes + (lane < target % lanes ? 1 : 0);
            try
            {
                // A round ends in a kill unless the child finished a fault round without reaching its fault point.
                while (crash.Statistics.Kills < quota && crash.Statistics.Rounds < 3 * quota + 10 && Volatile.Read(ref failed) == 0)
                    crash.RunRound();
            }
            catch (Exception e)
            {
                failures[lane] = e;
                Interlocked.Exchange(ref failed, 1);
            }
        })
        { Name = $"crash lane {lane}" }).ToArray();
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        cpu = Environment.CpuUsage.TotalTime - cpu;

        var total = new CrashStatistics();
        foreach (var lane in statistics) if (lane is not null) total.Add(lane);
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
            throw new Xunit.Sdk.XunitException($"Lane {Array.IndexOf(failures, failure)} (seed {seed}) failed after {total}:\n{failure}");
        output.WriteLine($"Crash safety ({lanes} lanes, seed {seed}): {total}; {clock.Elapsed.TotalSeconds:F0} s in all, {cpu.TotalSeconds:F0} s of this process's CPU (checks)");

        Assert.True(total.Kills >= target, $"Only {total.Kills} of {target} kills happened: {total}");
        if (target >= 100)
        {
            // Enough kills that every fault point has been hit and both outcomes of an interrupted commit seen.
            foreach (var point in Enum.GetValues<StoreFault>())
                Assert.True(total.ByFault[point] > 0, $"No child was killed at {point}: {total}");
            Assert.True(total.InFlightKept[CrashProtocol.Commit] > 0 && total.InFlightLost[CrashProtocol.Commit] > 0, total.ToString());
        }
    }

    [Theory]
    [InlineData(nameof(StoreFault.BeforeCommitWrite), false)]
    [InlineData(nameof(StoreFault.AfterCommitWrite), true)]
    [InlineData(nameof(StoreFault.BeforeReclaimWrite), false)]
    [InlineData(nameof(StoreFault.AfterReclaimWrite), true)]
    // The lane's commits change a page or two: their image files follow the batch (a commit of 64 pages
    // or more writes them while its batch is written, and a kill there could find either state).
    [InlineData(nameof(StoreFault.ImageWrite), true)]
    public void A_kill_at_a_fault_point_leaves_the_operation_undone_before_its_write_and_done_after_it(string pointName, bool done)
    {
        var point = Enum.Parse<StoreFault>(pointName); // the hook's type is internal to the store
        using var lane = new CrashLane(seed: 7 + (int)point, CounterContract());
        string[] kinds = point is StoreFault.BeforeReclaimWrite or StoreFault.AfterReclaimWrite
            ? [CrashProtocol.Delete, CrashProtocol.Finalize]
            : [CrashProtocol.Commit];
        RoundResult? hit = null;
        // The first occurrence of a reclaim point may come from a lease's release, which changes no live commit: go again then.
        for (int round = 0; round < 8 && hit is null; round++)
        {
            var result = lane.RunRound(KillPlan.Fault, (point, 1));
            if (result.Killed && result.InFlight is { } operation && kinds.Contains(operation.Kind)) hit = result;
        }
        Assert.NotNull(hit);
        Assert.Equal(done, hit.Kept);
    }

    [Fact]
    public void A_line_cut_short_by_a_kill_acknowledges_nothing()
    {
        var lines = ChildProcess.CompleteLines(new StringReader("open\nbegin delete ab\ndeleted a")).ToArray();
        Assert.Equal(["open", "begin delete ab"], lines);
    }

    internal static string CounterContract()
    {
        Contracts.Bytes("counter"); // a clear message when the contracts are not built
        return Path.Combine(Contracts.Root, "tests", "contracts", "out", "counter.wasm");
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;
}
