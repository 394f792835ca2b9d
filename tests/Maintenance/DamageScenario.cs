using Piecrust.Tests.Engine;

namespace Piecrust.Tests.Maintenance;

/// <summary>
/// A closed store in which every column family holds data, compacted into one table file per
/// column, built once per test run; and damaged copies of it (one byte of one column's table flipped).
/// Its history: c0 and c1 (a counter incremented, a box64), garbage collection (which applied the
/// journaled counts: <c>refs</c> has entries), then c2 (a new contract, the box64 set), c3 and c4
/// (the counter incremented), whose references to what earlier commits hold are journaled
/// (<c>increments</c> has entries); c1 finalized. Deleting c2 then needs the journal: without it,
/// the nodes and the bytecode only c2, c3 and c4 share would be reclaimed while c3 and c4 use them.
/// </summary>
internal sealed class DamageScenario
{
    /// <summary>Where each flip lands: inside the first data block of the table (every block starts at 0, and each table's first is longer than this).</summary>
    public const long FlipOffset = 20;

    private static readonly Lazy<DamageScenario> Instance = new(() => new DamageScenario());

    public static DamageScenario Shared => Instance.Value;

    private DamageScenario()
    {
        Folder = Storage.StoreFixture.TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { }
        };
        Pristine = Path.Combine(Folder, "pristine");
        using (var vm = VM.Open(Pristine, new VMOptions { Durable = false }))
        {
            using var session = vm.Session();
            Counter = Contracts.Deploy(session, "counter");
            Box = Contracts.Deploy(session, "box64");
            session.Call(Counter, "increment", [], Contracts.Gas);
            session.Commit();
            session.Call(Counter, "increment", [], Contracts.Gas);
            C1 = session.Commit();
            vm.CollectGarbage(); // applies the journaled counts: what c0 and c1 share gets a count entry of 2
            // c2 creates what only the commits after it share: a new contract (and bytecode), a changed box.
            Contracts.Deploy(session, "box");
            session.Call(Box, "set", [7, 0], Contracts.Gas);
            C2 = session.Commit();
            session.Call(Counter, "increment", [], Contracts.Gas);
            C3 = session.Commit();
            session.Call(Counter, "increment", [], Contracts.Gas);
            C4 = session.Commit();
            vm.FinalizeCommit(C1);
        }
        Tables = TableDamage.CompactToTables(Pristine);

        // A state the store lacks, to import: another counter value in a store of its own.
        Snapshot = Path.Combine(Folder, "other.snapshot");
        using (var other = VM.Ephemeral())
        {
            using var session = other.Session();
            var counter = Contracts.Deploy(session, "counter");
            for (int i = 0; i < 7; i++) session.Call(counter, "increment", [], Contracts.Gas);
            var root = session.Commit();
            using var output = File.Create(Snapshot);
            other.Export(root, output);
        }
    }

    /// <summary>Holds the pristine store and the snapshot; deleted when the test process exits.</summary>
    public string Folder { get; }

    /// <summary>The undamaged, closed store: copy it, never open it.</summary>
    public string Pristine { get; }

    /// <summary>Each column family's one table file (file name within the store directory).</summary>
    public IReadOnlyDictionary<string, string> Tables { get; }

    public ContractId Counter { get; }
    public ContractId Box { get; }
    public Hash C1 { get; }
    public Hash C2 { get; }
    public Hash C3 { get; }
    public Hash C4 { get; }

    /// <summary>A snapshot of a state this store does not hold.</summary>
    public string Snapshot { get; }

    /// <summary>Copies the pristine store to <paramref name="directory"/>; with a column, flips one byte of its table and returns that file's path.</summary>
    public string? CopyTo(string directory, string? column)
    {
        TableDamage.Copy(Pristine, directory);
        if (column is null) return null;
        string table = Path.Combine(directory, Tables[column]);
        TableDamage.Flip(table, FlipOffset);
        return table;
    }
}
