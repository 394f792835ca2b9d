using Piecrust.Tests.Maintenance;
using Piecrust.Tools;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Tools;

/// <summary>
/// Bit rot under the CLI: one flipped byte in the table file of each column family of a store
/// (<see cref="DamageScenario"/>), then every store command, each on its own fresh damaged copy.
/// Each command either does exactly what it does on the undamaged store (same output, same
/// resulting commits) or fails with one <c>error:</c> line that names the damaged column; fsck
/// exits 2 naming it. Then the byte is flipped back, and the store must pass fsck and hold
/// exactly the commits the command made on the undamaged store (or, if it failed, the original
/// ones): nothing live was reclaimed, nothing was half written.
/// </summary>
public sealed class DamagedTableCommandTests(ITestOutputHelper output)
{
    private sealed record Probe(string Name, Func<DamageScenario, string, string[]> Args);

    private static readonly Probe[] Probes =
    [
        new("commits", (_, _) => ["commits"]),
        new("show", (s, _) => ["show", s.C4.ToString()]),
        new("call", (s, _) => ["call", s.Counter.ToString(), "read_value"]),
        new("call --commit", (s, _) => ["call", s.Counter.ToString(), "increment", "--commit"]),
        new("deploy", (_, run) => ["deploy", Path.Combine(run, "counter.wat"), "--owner", "0102"]),
        new("delete", (s, _) => ["delete", s.C2.ToString()]),
        new("finalize", (s, _) => ["finalize", s.C3.ToString()]),
        new("gc", (_, _) => ["gc"]),
        new("fsck", (_, _) => ["fsck"]),
        new("stats", (_, _) => ["stats"]),
        new("export", (s, run) => ["export", s.C4.ToString(), "-o", Path.Combine(run, "state.bin")]),
        new("prove", (s, run) => ["prove", s.C4.ToString(), s.Counter.ToString(), "0", "-o", Path.Combine(run, "proof.bin")]),
        new("import", (s, _) => ["import", s.Snapshot]),
    ];

    private sealed record Outcome(int Code, string Output, string State);

    [Fact]
    public void Every_command_on_a_store_with_a_damaged_table_works_or_fails_naming_the_column_and_loses_nothing()
    {
        var scenario = DamageScenario.Shared;
        var baseline = Probes.ToDictionary(p => p.Name, p => Run(scenario, p, column: null));
        foreach (var (name, outcome) in baseline)
            Assert.True(outcome.Code == ExitCodes.Ok, $"undamaged store: {name} exited {outcome.Code}:\n{outcome.Output}");
        string original = baseline["commits"].State;

        var figures = new List<string>();
        foreach (var column in TableDamage.Columns)
        {
            Assert.True(scenario.Tables.ContainsKey(column), $"the scenario left the {column} column without a table file");
            var worked = new List<string>();
            var refused = new List<string>();
            foreach (var probe in Probes)
            {
                var damaged = Run(scenario, probe, column);
                var expected = baseline[probe.Name];
                string what = $"{column} damaged, {probe.Name}";
                if (probe.Name == "fsck")
                {
                    Assert.True(damaged.Code == ExitCodes.CheckFailed, $"{what}: exit {damaged.Code}\n{damaged.Output}");
                    Assert.Contains("UnreadableData", damaged.Output);
                    Assert.Contains(column, damaged.Output);
                }
                else if (damaged.Code == ExitCodes.Ok)
                {
                    Assert.True(expected.Output == damaged.Output, $"{what}: printed\n{damaged.Output}\ninstead of\n{expected.Output}");
                    worked.Add(probe.Name);
                }
                else
                {
                    Assert.True(damaged.Code == ExitCodes.Error, $"{what}: exit {damaged.Code}\n{damaged.Output}");
                    var error = Assert.Single(damaged.Output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
                    Assert.DoesNotContain("unexpected", error);
                    Assert.True(error.Contains($"{column} column", StringComparison.Ordinal), $"{what}: the error does not name the column: {error}");
                    refused.Add(probe.Name);
                }
                // The byte flipped back: exactly the commits the command made on the undamaged store, or none.
                string after = damaged.Code == ExitCodes.Ok || probe.Name == "fsck" ? expected.State : original;
                Assert.True(after == damaged.State, $"{what}: with the damage undone the store holds\n{damaged.State}\ninstead of\n{after}");
            }
            figures.Add($"{column}: fsck exit 2; {worked.Count} worked ({string.Join(", ", worked)}); {refused.Count} refused ({string.Join(", ", refused)})");
        }
        output.WriteLine(string.Join("\n", figures));
    }

    [Fact]
    public void The_reported_regressions_fail_loudly()
    {
        var scenario = DamageScenario.Shared;
        // A damaged commits table: no "no commits" with exit 0.
        Assert.Equal(ExitCodes.Error, Run(scenario, Probes.Single(p => p.Name == "commits"), "commits").Code);
        // A damaged journal: no deletion that reclaims what live commits still use.
        Assert.Equal(ExitCodes.Error, Run(scenario, Probes.Single(p => p.Name == "delete"), "increments").Code);
        // A damaged compiled-module table: fsck does not call the store consistent.
        Assert.Equal(ExitCodes.CheckFailed, Run(scenario, Probes.Single(p => p.Name == "fsck"), "modules").Code);
    }

    /// <summary>Runs the probe on a fresh copy (damaged in <paramref name="column"/> when given), then undoes the damage and reads back the state.</summary>
    private static Outcome Run(DamageScenario scenario, Probe probe, string? column)
    {
        string run = Storage.StoreFixture.TempDirectory();
        try
        {
            string store = Path.Combine(run, "store");
            string? table = scenario.CopyTo(store, column);
            File.WriteAllText(Path.Combine(run, "counter.wat"), DemoContract.Wat());
            var result = Cli.RunRaw(["--store", store, .. probe.Args(scenario, run)]);
            if (table is not null)
            {
                Assert.True(File.Exists(table), $"{column} damaged, {probe.Name}: the damaged table file is gone");
                TableDamage.Flip(table, DamageScenario.FlipOffset);
            }
            using var vm = VM.Open(store, new VMOptions { Durable = false });
            var check = vm.Fsck();
            Assert.True(check.IsClean, $"{column} damaged, {probe.Name} (exit {result.Code}): with the damage undone, fsck finds\n{string.Join("\n", check.Problems)}\n{result.Output}");
            return new Outcome(result.Code, Normalized(result.Output, run), State(vm));
        }
        finally
        {
            try { Directory.Delete(run, recursive: true); }
            catch (IOException) { }
        }
    }

    private static string State(VM vm) => string.Join("\n", vm.CommitLog.Select(c => $"{c.Sequence} {c.Root} <{c.Parent}")) + $"\nfinalized {vm.FinalizedCommit}";

    // The run's own folder appears in paths; sizes on disk depend on how RocksDB laid out the files.
    private static string Normalized(string text, string run) =>
        string.Join("\n", text.Replace(run, "<run>").Split('\n').Where(line => !line.Contains("on disk", StringComparison.Ordinal)));
}
