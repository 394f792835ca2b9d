using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Piecrust.Tests.Maintenance;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Bit rot under the public API: one flipped byte in the table file of each column family of a store
/// (<see cref="DamageScenario"/>), then every operation a user has, each on its own fresh damaged
/// copy. Each either returns exactly what it returns on the undamaged store or throws
/// <see cref="CorruptStoreException"/> (or <see cref="StoreIOException"/>) naming the damaged
/// column; <see cref="VM.Fsck"/> reports the column as <see cref="StoreProblemKind.UnreadableData"/>.
/// With the byte flipped back, the store passes fsck and holds exactly the commits the operation
/// made on the undamaged store, or, when it threw, the original ones: nothing live is reclaimed.
/// </summary>
public sealed class DamagedTableTests(ITestOutputHelper output)
{
    private static readonly (string Name, Func<VM, DamageScenario, string> Run)[] Operations =
    [
        ("commit log", (vm, _) => string.Join(" ", vm.CommitLog.Select(c => $"{c.Sequence}:{c.Root}<{c.Parent}")) + $" final {vm.FinalizedCommit}"),
        ("contracts", (vm, s) => string.Join(" ", vm.DescribeContracts(s.C4).Select(c => $"{c.Id}/{c.Bytecode}/{c.MemoryLength}/{c.NonZeroPages}/{c.MemoryRoot}"))),
        ("read page", (vm, s) => Hash.Of(vm.ReadPage(s.C4, s.Counter, 0)).ToString()),
        ("call", (vm, s) => Call(vm, s.C4, s.Counter, "read_value", commit: false)),
        ("call and commit", (vm, s) => Call(vm, s.C4, s.Counter, "increment", commit: true)),
        ("deploy and commit", (vm, s) =>
        {
            using var session = vm.Session(new SessionData { Base = s.C4 });
            session.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("again"u8))), Contracts.Gas);
            return session.Commit().ToString();
        }),
        ("delete", (vm, s) => { vm.DeleteCommit(s.C2); return vm.LastWrite.ObjectsRemoved.ToString(); }),
        ("finalize", (vm, s) => { vm.FinalizeCommit(s.C3); return "finalized"; }),
        ("collect garbage", (vm, _) => { var report = vm.CollectGarbage(); return $"{report.PendingDeletesReclaimed} {report.ObjectsReclaimed} {report.OrphanModulesRemoved}"; }),
        ("statistics", (vm, _) => { var st = vm.Statistics(); return $"{st.Store with { DiskBytes = 0 }} {st.Commits} {st.DistinctContracts} {st.LogicalBytes}"; }),
        ("export", (vm, s) => { using var stream = new MemoryStream(); vm.Export(s.C4, stream); return Hash.Of(stream.ToArray()).ToString(); }),
        ("prove", (vm, s) => Hash.Of(vm.ProvePage(s.C4, s.Counter, 0).ToBytes()).ToString()),
        ("import", (vm, s) => { using var input = File.OpenRead(s.Snapshot); return vm.Import(input).Root.ToString(); }),
        ("fsck", (vm, _) => string.Join("\n", vm.Fsck().Problems)),
    ];

    private static string Call(VM vm, Hash root, ContractId contract, string function, bool commit)
    {
        using var session = vm.Session(new SessionData { Base = root });
        var data = Convert.ToHexString(session.Call(contract, function, [], Contracts.Gas).Data);
        return commit ? $"{data} {session.Commit()}" : data;
    }

    private sealed record Outcome(string? Result, PiecrustException? Error, string State);

    [Fact]
    public void Every_operation_on_a_store_with_a_damaged_table_works_or_throws_naming_the_column_and_loses_nothing()
    {
        var scenario = DamageScenario.Shared;
        var baseline = Operations.ToDictionary(o => o.Name, o => Run(scenario, o.Name, column: null));
        foreach (var (name, outcome) in baseline)
            Assert.True(outcome.Error is null && (name != "fsck" || outcome.Result == ""), $"undamaged store: {name}: {outcome.Error?.Message ?? outcome.Result}");
        string original = baseline["commit log"].State;

        var figures = new List<string>();
        int cases = 0;
        foreach (var column in TableDamage.Columns)
        {
            int worked = 0, threw = 0;
            foreach (var (name, _) in Operations)
            {
                var damaged = Run(scenario, name, column);
                var expected = baseline[name];
                string what = $"{column} damaged, {name}";
                cases++;
                if (name == "fsck")
                {
                    Assert.True(damaged.Error is null, $"{what}: threw {damaged.Error?.Message}");
                    Assert.Contains($"{StoreProblemKind.UnreadableData}: ", damaged.Result);
                    Assert.Contains($"{column} column", damaged.Result);
                }
                else if (damaged.Error is null)
                {
                    Assert.True(expected.Result == damaged.Result, $"{what}: returned\n{damaged.Result}\ninstead of\n{expected.Result}");
                    worked++;
                }
                else
                {
                    Assert.True(damaged.Error is CorruptStoreException or StoreIOException, $"{what}: threw {damaged.Error.GetType().Name}: {damaged.Error.Message}");
                    Assert.True(damaged.Error.Message.Contains($"{column} column", StringComparison.Ordinal), $"{what}: the error does not name the column: {damaged.Error.Message}");
                    threw++;
                }
                string after = damaged.Error is null ? expected.State : original;
                Assert.True(after == damaged.State, $"{what}: with the damage undone the store holds\n{damaged.State}\ninstead of\n{after}");
            }
            figures.Add($"{column}: {worked} worked, {threw} threw a typed error naming the column");
        }
        Corpus.Count("table file with a flipped byte, then an operation", cases);
        output.WriteLine(string.Join("\n", figures));
    }

    /// <summary>
    /// Runs one operation on a fresh copy (damaged in <paramref name="column"/> when given); a VM that
    /// cannot open is the operation's outcome (fsck then runs on the directory). Then undoes the
    /// damage, checks the store and reads back its commits.
    /// </summary>
    private static Outcome Run(DamageScenario scenario, string name, string? column)
    {
        string store = Storage.StoreFixture.TempDirectory();
        try
        {
            string? table = scenario.CopyTo(store, column);
            var operation = Operations.Single(o => o.Name == name).Run;
            string? result = null;
            var error = Corpus.Outcome(() =>
            {
                VM vm;
                try
                {
                    vm = VM.Open(store, new VMOptions { Durable = false });
                }
                catch (PiecrustException) when (name == "fsck")
                {
                    result = string.Join("\n", VM.FsckDirectory(store).Problems);
                    return;
                }
                using (vm) result = operation(vm, scenario);
            }, $"{column} damaged, {name}");
            if (table is not null) TableDamage.Flip(table, DamageScenario.FlipOffset);
            using var reopened = VM.Open(store, new VMOptions { Durable = false });
            var check = reopened.Fsck();
            Assert.True(check.IsClean, $"{column} damaged, {name}: with the damage undone, fsck finds\n{string.Join("\n", check.Problems)}");
            string state = string.Join("\n", reopened.CommitLog.Select(c => $"{c.Sequence} {c.Root} <{c.Parent}")) + $"\nfinalized {reopened.FinalizedCommit}";
            return new Outcome(result, error, state);
        }
        finally
        {
            try { Directory.Delete(store, recursive: true); }
            catch (IOException) { }
        }
    }
}
