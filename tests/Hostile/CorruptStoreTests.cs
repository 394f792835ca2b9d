using System.Text;
using Piecrust.Merkle;
using Piecrust.Tests.Engine;
using RocksDbSharp;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Bit rot on disk: one byte of one stored value flipped behind the store's back (pages, tree nodes,
/// bytecode, compiled modules, commit records, store-wide values). Then everything a user can read
/// through the public API is read again (CI damages 49 values at their headers and ends;
/// <c>PIECRUST_HOSTILE_SLOW=1</c> every stored value at 16 spread positions plus the header bytes):
/// each read returns exactly what it returned before the damage
/// or throws <see cref="CorruptStoreException"/> naming the damaged key; nothing else is thrown, and
/// nothing is written (every key and value on disk is the same afterwards).
/// </summary>
public sealed class CorruptStoreTests(ITestOutputHelper output)
{
    private static readonly string[] Columns = ["pages", "nodes", "bytecode", "modules", "commits", "refs", "meta", "increments", "pins"];

    /// <summary>A store with a few commits of several contracts (a grown memory, a callcenter, 64-bit too), closed.</summary>
    private static string BuildStore()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-corrupt-" + Guid.NewGuid().ToString("N"));
        using var vm = VM.Open(directory, new VMOptions { Durable = false });
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        var growth = Contracts.Deploy(session, "growth");
        var box = Contracts.Deploy(session, "box64");
        Contracts.Deploy(session, "callcenter");
        session.Call(counter, "increment", [], Contracts.Gas);
        session.Call(growth, "grow_by", Contracts.Le(2u), Contracts.Gas);
        session.Call(box, "set", [7, 0], Contracts.Gas);
        var first = session.Commit();
        session.Call(counter, "write_value", Contracts.Le(0x1234UL), Contracts.Gas);
        session.Call(growth, "grow_by", Contracts.Le(1u), Contracts.Gas);
        session.Commit();
        vm.FinalizeCommit(first);
        return directory;
    }

    /// <summary>Everything the public API shows of the store, read step by step; a step's text, or the exception it threw.</summary>
    private static List<(string Step, string? Result, Exception? Error)> Observe(string directory)
    {
        var steps = new List<(string, string?, Exception?)>();
        void Step(string name, Func<string> read)
        {
            try { steps.Add((name, read(), null)); }
            catch (Exception e) { steps.Add((name, null, e)); }
        }

        VM? vm = null;
        Step("open", () => { vm = VM.Open(directory, new VMOptions { Durable = false }); return "opened"; });
        if (vm is null) return steps;
        using (vm)
        {
            Step("commits", () => string.Join(" ", vm.CommitLog.Select(c => $"{c.Root}<{c.Parent}#{c.Sequence}")));
            Step("finalized", () => vm.FinalizedCommit?.ToString() ?? "none");
            foreach (var root in SafeCommits(vm))
            {
                IReadOnlyList<ContractLeaf> leaves = [];
                Step($"{root} leaves", () =>
                {
                    leaves = vm.Contracts(root);
                    return string.Join(" ", leaves.Select(l => $"{l.Id}/{l.Bytecode}/{Convert.ToHexString(l.Owner.Span)}/{l.MemoryLength}/{l.PageTreeRoot}"));
                });
                foreach (var leaf in leaves)
                {
                    Step($"{root} {leaf.Id} pages", () =>
                    {
                        var all = new List<byte>();
                        for (ulong page = 0; page < leaf.MemoryLength / 4096; page++) all.AddRange(vm.ReadPage(root, leaf.Id, page));
                        return Hash.Of(all.ToArray()).ToString();
                    });
                    Step($"{root} {leaf.Id} proof", () => ProofVerifier.VerifyPage(vm.ProvePage(root, leaf.Id, 8), root, vm.ReadPage(root, leaf.Id, 8)).ToString());
                }
                Step($"{root} session", () =>
                {
                    using var session = vm.Session(new SessionData { Base = root });
                    var text = new StringBuilder(session.Root.ToString());
                    foreach (var leaf in leaves)
                    {
                        text.Append(' ').Append(session.MemoryLength(leaf.Id));
                        var all = new List<byte>();
                        for (ulong page = 0; page < leaf.MemoryLength / 4096; page++) all.AddRange(session.ReadPage(leaf.Id, page));
                        text.Append(' ').Append(Hash.Of(all.ToArray()));
                    }
                    return text.ToString();
                });
                Step($"{root} calls", () =>
                {
                    using var session = vm.Session(new SessionData { Base = root });
                    var text = new StringBuilder();
                    foreach (var leaf in leaves)
                        foreach (var function in new[] { "read_value", "len", "get", "return_self_id" })
                        {
                            try { text.Append(Convert.ToHexString(session.Call(leaf.Id, function, [], Contracts.Gas).Data)).Append(' '); }
                            catch (FunctionNotFoundException) { }
                        }
                    // The same bytecode deployed again goes through the compiled-module cache.
                    session.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("again"u8))), Contracts.Gas);
                    return text.ToString();
                });
            }
        }
        return steps;
    }

    private static IReadOnlyList<Hash> SafeCommits(VM vm)
    {
        try { return vm.Commits; }
        catch (PiecrustException) { return []; }
    }

    /// <summary>Every key and value of every column, to compare the disk before and after.</summary>
    private static Dictionary<string, byte[]> Dump(RocksDb db)
    {
        var all = new Dictionary<string, byte[]>();
        foreach (var column in Columns)
        {
            using var iterator = db.NewIterator(db.GetColumnFamily(column));
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                all[column + "/" + Convert.ToHexString(iterator.Key())] = iterator.Value();
        }
        return all;
    }

    private static void Flip(RocksDb db, string column, byte[] key, int position)
    {
        var cf = db.GetColumnFamily(column);
        var value = db.Get(key, cf);
        value[position] ^= 0x01;
        db.Put(key, value, cf);
    }

    private static RocksDb OpenRaw(string directory)
    {
        var families = new ColumnFamilies();
        foreach (var name in Columns) families.Add(name, new ColumnFamilyOptions());
        return RocksDb.Open(new DbOptions(), directory, families);
    }

    /// <summary>Which stored values to damage, and where: the codec and length headers, the first, middle and last bytes.</summary>
    private static List<(string Column, byte[] Key, int Position)> Plan(Dictionary<string, byte[]> dump, bool exhaustive)
    {
        var plan = new List<(string, byte[], int)>();
        foreach (var column in new[] { "pages", "nodes", "bytecode", "modules", "commits", "meta" })
        {
            var keys = dump.Keys.Where(k => k.StartsWith(column + "/")).Order(StringComparer.Ordinal).ToList();
            if (column == "meta") keys = keys.Where(k => k != "meta/" + Convert.ToHexString("format"u8)).ToList(); // format: refused at open, tested elsewhere
            int keysWanted = exhaustive ? keys.Count : column switch { "pages" => 3, "nodes" => 4, _ => keys.Count };
            foreach (var key in keys.Where((_, i) => i % Math.Max(1, keys.Count / keysWanted) == 0).Take(keysWanted))
            {
                var value = dump[key];
                int[] positions = exhaustive
                    ? [.. Enumerable.Range(0, 16).Select(i => i * (value.Length - 1) / 15), 1, 4, 9, 10]
                    : column switch
                    {
                        "commits" => [0, 9, 10, value.Length - 1], // version, flags, parent, checksum
                        "bytecode" => [0, 4, value.Length - 1],     // codec tag, decoded length, data
                        "pages" => [0, 1, value.Length - 1],
                        _ => [0, value.Length - 1],
                    };
                foreach (int position in positions.Where(p => p >= 0 && p < value.Length).Distinct())
                    plan.Add((column, Convert.FromHexString(key[(column.Length + 1)..]), position));
            }
        }
        return plan;
    }

    [Fact]
    public void Damaged_stored_values_are_reported_naming_the_key_never_returned_and_nothing_is_written()
    {
        bool exhaustive = Environment.GetEnvironmentVariable("PIECRUST_HOSTILE_SLOW") == "1";
        string directory = BuildStore();
        try
        {
            var baseline = Observe(directory);
            Assert.All(baseline, s => Assert.Null(s.Error));
            Dictionary<string, byte[]> original;
            using (var db = OpenRaw(directory)) original = Dump(db);
            var plan = Plan(original, exhaustive);
            int reported = 0, unaffected = 0;
            var perColumn = new Dictionary<string, int>();
            // One raw open per input: check that the previous input's reads wrote nothing and undo it, then damage the next value.
            (string Column, byte[] Key, int Position, Dictionary<string, byte[]> Damaged)? previous = null;
            void UndoPrevious(RocksDb db)
            {
                if (previous is not { } p) return;
                var after = Dump(db);
                Assert.True(after.Count == p.Damaged.Count && after.All(kv => p.Damaged.TryGetValue(kv.Key, out var v) && v.AsSpan().SequenceEqual(kv.Value)),
                    $"{p.Column} byte {p.Position}: the store's keys or values changed while it was read");
                Flip(db, p.Column, p.Key, p.Position);
            }
            foreach (var (column, key, position) in plan)
            {
                Dictionary<string, byte[]> damaged;
                using (var db = OpenRaw(directory))
                {
                    UndoPrevious(db);
                    Flip(db, column, key, position);
                    damaged = Dump(db);
                }
                previous = (column, key, position, damaged);
                string what = $"{column} {Convert.ToHexString(key).ToLowerInvariant()} byte {position}";
                string keyText = Name(column, key);
                bool noticed = false;
                foreach (var (step, result, error) in Observe(directory))
                {
                    if (error is null)
                    {
                        // A step that ran must show exactly what it showed before (the step list can end early after a refusal).
                        var before = baseline.FirstOrDefault(b => b.Step == step);
                        Assert.True(before.Step is not null, $"{what}: unexpected step {step}");
                        Assert.True(before.Result == result, $"{what}: {step} returned\n  {result}\ninstead of\n  {before.Result}");
                        continue;
                    }
                    var corrupt = error as CorruptStoreException
                        ?? throw new Xunit.Sdk.XunitException($"{what}: {step} threw {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
                    Assert.True(corrupt.Message.Contains(keyText, StringComparison.OrdinalIgnoreCase) || column == "meta",
                        $"{what}: {step} reported \"{corrupt.Message}\", which does not name {keyText}");
                    noticed = true;
                }
                if (noticed) reported++;
                else unaffected++;
                perColumn[column] = perColumn.GetValueOrDefault(column) + 1;
            }
            using (var db = OpenRaw(directory))
            {
                UndoPrevious(db);
                var restored = Dump(db);
                Assert.True(restored.Count == original.Count && restored.All(kv => original[kv.Key].AsSpan().SequenceEqual(kv.Value)), "the store is not back to its original bytes");
            }
            Corpus.Count("stored value with a flipped byte", plan.Count);
            output.WriteLine($"{plan.Count} damaged values ({string.Join(", ", perColumn.Select(kv => $"{kv.Key} {kv.Value}"))}): {reported} reported as corrupt, {unaffected} never read by any step");
            Assert.True(plan.Count >= 45, $"only {plan.Count} damaged values");
            Assert.True(unaffected * 4 < plan.Count, $"{unaffected} of {plan.Count} damaged values were never noticed");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>How the store names a damaged key in its message: the hash, or for a compiled module its bytecode's hash.</summary>
    private static string Name(string column, byte[] key) => column switch
    {
        "modules" => Convert.ToHexString(key.AsSpan(0, 32)),
        "meta" => Encoding.ASCII.GetString(key),
        _ => Convert.ToHexString(key),
    };
}
