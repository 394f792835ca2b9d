using System.Collections.Immutable;
using System.Diagnostics;
using FsCheck;
using FsCheck.Experimental;
using FsCheck.Fluent;
using Piecrust.PropertyTests.Model;
using Outcome = Piecrust.PropertyTests.Model.Outcome;

namespace Piecrust.PropertyTests.Machine;

/// <summary>
/// One step of a sequence: <see cref="Operation{TActual,TModel}.Run"/> advances the pure model (and
/// puts what must be observed in <see cref="VmModel.Expect"/>); <see cref="Check"/> does the same to the
/// real VM and compares. A failed check marks the VM so the rest of the sequence is skipped.
/// </summary>
internal abstract class VmOperation : Operation<VmUnderTest, VmModel>
{
    public sealed override Property Check(VmUnderTest actual, VmModel model)
    {
        if (actual.Failed) return true.ToProperty();
        var errors = new List<string>();
        long start = Stopwatch.GetTimestamp();
        try
        {
            Execute(actual, model, errors);
            Checks.Commits(actual, model, errors);
        }
        catch (Exception e)
        {
            errors.Add($"{e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
        actual.Statistics.Executed(GetType().Name, Stopwatch.GetElapsedTime(start));
        if (errors.Count == 0) return true.ToProperty();
        actual.Failed = true;
        return false.Label($"after `{this}`:\n  {string.Join("\n  ", errors)}\n  model: {model}");
    }

    public sealed override VmModel Run(VmModel model) => Step(model with { Expect = null });

    /// <summary>The operation's effect on the model.</summary>
    protected abstract VmModel Step(VmModel model);

    protected abstract void Execute(VmUnderTest actual, VmModel model, List<string> errors);

    protected static string Label(int n) => "c" + n;

    protected static void Compare(Outcome expected, Outcome actual, List<string> errors, string what)
    {
        if (!expected.Same(actual)) errors.Add($"{what}: got {actual}, the model says {expected}");
    }

    /// <summary>Runs an engine call, turning its typed exceptions into outcomes (anything else escapes as a failure).</summary>
    protected static Outcome Attempt(Func<Outcome> call)
    {
        try
        {
            return call();
        }
        catch (PiecrustException e)
        {
            return Outcome.Of(e);
        }
    }
}

/// <summary>Opens a session on a labelled commit, or on the empty state.</summary>
internal sealed class OpenOp(int sid, int? label) : VmOperation
{
    public override bool Pre(VmModel m) => !m.Sessions.ContainsKey(sid) && (label is null || m.Labels.ContainsKey(Label(label.Value)));

    protected override VmModel Step(VmModel m)
    {
        m = m with { NextSession = Math.Max(m.NextSession, sid + 1) };
        if (label is null) return m with { Sessions = m.Sessions.Add(sid, new SessionModel(sid, null, World.Empty)), Expect = Outcome.Ok() };
        var key = m.Labels[Label(label.Value)];
        if (!m.IsLive(key)) return m with { Expect = Outcome.CommitNotFound };
        return m with { Sessions = m.Sessions.Add(sid, new SessionModel(sid, key, m.States[key])), Expect = Outcome.Ok() };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        Hash? root = label is null ? null : a.RootOf(m.Labels[Label(label.Value)]);
        var outcome = Attempt(() =>
        {
            a.Sessions[sid] = a.Vm.Session(new SessionData { Base = root });
            return Outcome.Ok();
        });
        Compare((Outcome)m.Expect!, outcome, errors, "opening");
        if (outcome.IsOk && m.Sessions.ContainsKey(sid)) Checks.OpenSession(a, m, sid, errors);
    }

    public override string ToString() => $"s{sid} = Open({(label is null ? "empty" : Label(label.Value))})";
}

/// <summary>Deploys the slot's contract (no init) with an owner.</summary>
internal sealed class DeployOp(int sid, string slot, byte[] owner) : VmOperation
{
    public override bool Pre(VmModel m) => m.Sessions.ContainsKey(sid);

    protected override VmModel Step(VmModel m)
    {
        var s = m.Sessions[sid];
        if (s.World.Has(slot)) return m with { Expect = Outcome.AlreadyExists };
        var world = s.World.Set(Contract.Deployed(Slot.Get(slot), owner));
        return m with { Sessions = m.Sessions.SetItem(sid, s with { World = world }), Expect = Outcome.Ok() };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var target = Slot.Get(slot);
        var outcome = Attempt(() =>
        {
            var id = a.Sessions[sid].Deploy(ContractFiles.Bytes(target.File), new ContractData(owner, default, target.Id), CallSpec.DefaultGas);
            if (id != target.Id) errors.Add($"deploy returned id {id}, asked for {target.Id}");
            return Outcome.Ok();
        });
        Compare((Outcome)m.Expect!, outcome, errors, "deploy");
        Checks.OpenSession(a, m, sid, errors);
    }

    public override string ToString() => $"s{sid}.Deploy({slot}, owner {Convert.ToHexStringLower(owner)})";
}

/// <summary>A top-level call in a session.</summary>
internal sealed class CallOp(int sid, CallSpec call) : VmOperation
{

    public override bool Pre(VmModel m) => m.Sessions.ContainsKey(sid);

    protected override VmModel Step(VmModel m)
    {
        var s = m.Sessions[sid];
        var (world, outcome) = Semantics.TopLevel(s.World, call);
        return m with { Sessions = m.Sessions.SetItem(sid, s with { World = world }), Expect = outcome };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var outcome = Attempt(() =>
        {
            var receipt = a.Sessions[sid].Call(Slot.IdOf(call.Slot), call.Function, call.Arg, call.Gas);
            if (receipt.GasLimit != call.Gas || receipt.GasSpent > call.Gas)
                errors.Add($"receipt gas: limit {receipt.GasLimit}, spent {receipt.GasSpent}, for a limit of {call.Gas}");
            return Outcome.Ok(receipt.Data);
        });
        Compare((Outcome)m.Expect!, outcome, errors, "call");
        Checks.OpenSession(a, m, sid, errors);
        string kind = Slot.All.FirstOrDefault(s => s.Name == call.Slot)?.Kind.ToString() ?? "ghost";
        string how = outcome.IsOk && call.Function == "delegate_query" && outcome.Data!.Length >= 4
            ? "ok, nested code " + BitConverter.ToInt32(outcome.Data)
            : outcome.Kind.ToString();
        a.Statistics.Called($"{kind}.{call.Function}: {how}");
    }

    public override string ToString() => $"s{sid}.{call}";
}

/// <summary>Commits a session; the new (or existing) commit gets a label.</summary>
internal sealed class CommitOp(int sid, int label) : VmOperation
{
    public override bool Pre(VmModel m) => m.Sessions.ContainsKey(sid) && !m.Labels.ContainsKey(Label(label));

    protected override VmModel Step(VmModel m)
    {
        var s = m.Sessions[sid];
        var key = s.World.Key;
        m = m.WriteCommit(s.World, s.Base, batch: m.NextSeq);
        m = m with
        {
            Sessions = m.Sessions.SetItem(sid, s with { Base = key }),
            Labels = m.Labels.Add(Label(label), key),
            NextLabel = Math.Max(m.NextLabel, label + 1),
            Expect = key,
        };
        return m.Released(s.Base);
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var session = a.Sessions[sid];
        var root = session.Commit();
        var key = (string)m.Expect!;
        a.Register(key, root, errors, $"s{sid}.Commit()");
        if (session.Base != root) errors.Add($"after commit s{sid}.Base is {session.Base}, not the new root {root}");
        if (errors.Count > 0) return;
        Checks.Committed(a, m, key, errors);
        Checks.Reachable(a, m, errors); // a commit writes counts; the old base may have been deleted and this its last lease
    }

    public override string ToString() => $"{Label(label)} = s{sid}.Commit()";
}

/// <summary>Disposes a session (its lease ends).</summary>
internal sealed class DropOp(int sid) : VmOperation
{
    public override bool Pre(VmModel m) => m.Sessions.ContainsKey(sid);

    protected override VmModel Step(VmModel m) => m.Drop(sid);

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        a.Sessions[sid].Dispose();
        a.Sessions.Remove(sid);
        Checks.Reachable(a, m, errors);
    }

    public override string ToString() => $"s{sid}.Drop()";
}

/// <summary>
/// An operation on a labelled commit (which may already be gone): the model applies it to a live
/// commit and expects <see cref="Outcome.CommitNotFound"/> for a gone one; the VM must agree and
/// reach exactly what the model reaches afterwards.
/// </summary>
internal abstract class LabelledCommitOp(int label, string verb) : VmOperation
{
    public override bool Pre(VmModel m) => m.Labels.ContainsKey(Label(label));

    /// <summary>The operation on the model, for a live commit.</summary>
    protected abstract VmModel Apply(VmModel m, string key);

    /// <summary>The operation on the VM.</summary>
    protected abstract void Run(VM vm, Hash root);

    protected override VmModel Step(VmModel m)
    {
        var key = m.Labels[Label(label)];
        return m.IsLive(key) ? Apply(m, key) with { Expect = Outcome.Ok() } : m with { Expect = Outcome.CommitNotFound };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var root = a.RootOf(m.Labels[Label(label)]);
        Compare((Outcome)m.Expect!, Attempt(() => { Run(a.Vm, root); return Outcome.Ok(); }), errors, verb);
        Checks.Reachable(a, m, errors);
    }

    public override string ToString() => $"{char.ToUpperInvariant(verb[0])}{verb[1..]}({Label(label)})";
}

/// <summary>Deletes a labelled commit (which may already be gone).</summary>
internal sealed class DeleteOp(int label) : LabelledCommitOp(label, "delete")
{
    protected override VmModel Apply(VmModel m, string key) => m.Delete(new HashSet<string> { key });

    protected override void Run(VM vm, Hash root) => vm.DeleteCommit(root);
}

/// <summary>Finalizes a labelled commit under the VM's current history mode.</summary>
internal sealed class FinalizeOp(int label) : LabelledCommitOp(label, "finalize")
{
    protected override VmModel Apply(VmModel m, string key) => m.Finalize(key);

    protected override void Run(VM vm, Hash root) => vm.FinalizeCommit(root);
}

/// <summary>Drops every session, disposes the VM and opens it again on its directory (possibly in another history mode or memory path).</summary>
internal sealed class RestartOp(VmConfig config) : VmOperation
{
    protected override VmModel Step(VmModel m)
    {
        foreach (var sid in m.Sessions.Keys) m = m.Drop(sid);
        return m with { Mode = config.Mode };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        a.Restart(config);
        Checks.Reachable(a, m, errors);
    }

    public override string ToString() => $"Restart({config})";
}

/// <summary>One thread of a <see cref="ParallelOp"/>: open a session on a commit (or empty), call, commit, drop.</summary>
internal sealed record ParallelTask(int? Base, CallSpec Call, int Label)
{
    public override string ToString() => $"c{Label} = ({(Base is { } b ? "c" + b : "empty")}).{Call}";
}

/// <summary>What one parallel task must observe: whether its session opened, the call's outcome, the committed state.</summary>
internal sealed record TaskExpectation(Outcome Open, Outcome? Call, string? Key);

/// <summary>Several sessions at once, each on its own thread: open, call, commit, drop.</summary>
internal sealed class ParallelOp(ImmutableArray<ParallelTask> tasks) : VmOperation
{
    public ImmutableArray<ParallelTask> Tasks => tasks;

    // Bases must be live: a task's commit may revive a pending commit while another task opens a
    // session on it, a race the model cannot order. (The generator only picks live bases; shrinking
    // can leave a deleted one behind.)
    public override bool Pre(VmModel m) =>
        tasks.All(t => (t.Base is null || m.Labels.TryGetValue(Label(t.Base.Value), out var key) && m.IsLive(key)) && !m.Labels.ContainsKey(Label(t.Label)))
        && tasks.Select(t => t.Label).Distinct().Count() == tasks.Length
        && !Ambiguous(m);

    /// <summary>
    /// Two threads committing the same new state from different bases race for whose base becomes its
    /// parent; the model cannot know, so such batches are not generated.
    /// </summary>
    private bool Ambiguous(VmModel m) =>
        Outcomes(m).Where(o => o.Expect.Key is { } k && !m.Records.ContainsKey(k))
            .GroupBy(o => o.Expect.Key!)
            .Any(g => g.Select(o => o.BaseKey).Distinct().Count() > 1);

    private IEnumerable<(TaskExpectation Expect, string? BaseKey, World World)> Outcomes(VmModel m)
    {
        foreach (var task in tasks)
        {
            string? baseKey = task.Base is { } b ? m.Labels[Label(b)] : null;
            if (baseKey is not null && !m.IsLive(baseKey))
            {
                yield return (new TaskExpectation(Outcome.CommitNotFound, null, null), baseKey, World.Empty);
                continue;
            }
            var (world, outcome) = Semantics.TopLevel(baseKey is null ? World.Empty : m.States[baseKey], task.Call);
            yield return (new TaskExpectation(Outcome.Ok(), outcome, world.Key), baseKey, world);
        }
    }

    protected override VmModel Step(VmModel m)
    {
        long batch = m.NextSeq;
        var expectations = new List<TaskExpectation>();
        var next = m;
        foreach (var ((expect, baseKey, world), task) in Outcomes(m).Zip(tasks))
        {
            expectations.Add(expect);
            if (expect.Key is null) continue;
            next = next.WriteCommit(world, baseKey, batch);
            next = next with { Labels = next.Labels.SetItem(Label(task.Label), expect.Key), NextLabel = Math.Max(next.NextLabel, task.Label + 1) };
        }
        return next with { Expect = expectations.ToImmutableArray() };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var expect = (ImmutableArray<TaskExpectation>)m.Expect!;
        var results = new (Outcome Open, Outcome? Call, Hash? Root, Exception? Error)[tasks.Length];
        var vm = a.Vm;
        Hash?[] bases = tasks.Select(t => t.Base is { } b ? a.RootOf(m.Labels[Label(b)]) : (Hash?)null).ToArray();
        using var start = new Barrier(tasks.Length);
        var threads = tasks.Select((task, i) => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                Session session;
                try { session = vm.Session(new SessionData { Base = bases[i] }); }
                catch (CommitNotFoundException e) { results[i] = (Outcome.Of(e), null, null, null); return; }
                using (session)
                {
                    var call = Attempt(() => Outcome.Ok(session.Call(Slot.IdOf(task.Call.Slot), task.Call.Function, task.Call.Arg, task.Call.Gas).Data));
                    results[i] = (Outcome.Ok(), call, session.Commit(), null);
                }
            }
            catch (Exception e)
            {
                results[i] = (Outcome.Ok(), null, null, e);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        for (int i = 0; i < tasks.Length; i++)
        {
            var (open, call, root, error) = results[i];
            string what = $"task {tasks[i]}";
            if (error is not null)
            {
                errors.Add($"{what}: {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
                continue;
            }
            Compare(expect[i].Open, open, errors, what + " open");
            if (expect[i].Call is { } expectedCall && call is not null) Compare(expectedCall, call, errors, what);
            if (expect[i].Key is { } key && root is { } r) a.Register(key, r, errors, what);
        }
        if (errors.Count > 0) return;
        foreach (var key in expect.Select(e => e.Key).OfType<string>().Distinct()) Checks.Committed(a, m, key, errors);
        Checks.Reachable(a, m, errors);
    }

    public override string ToString() => $"Parallel[{string.Join("; ", tasks)}]";
}

/// <summary>What a <see cref="CraftOp"/> does to the exported state before importing it.</summary>
internal enum Craft
{
    /// <summary>Valid: a stored page past the contract's memory length.</summary>
    PageOutsideLength,

    /// <summary>Valid: the snapshot as exported (its state is already a commit).</summary>
    Unchanged,

    /// <summary>A memory length that is not a multiple of 64 KiB.</summary>
    LengthNotMultiple,

    /// <summary>A memory length over its width's maximum.</summary>
    LengthOverMaximum,

    /// <summary>A page tree of the other width's height (a 32-bit one then holds a page beyond 4 GiB).</summary>
    TreeOfOtherHeight,

    /// <summary>A node where its kind does not belong (a page-tree node under the contract tree, a leaf as a page-tree root).</summary>
    WrongNodeKind,

    /// <summary>Bytecode that fails the deploy-time module validation.</summary>
    InvalidBytecode,

    /// <summary>The other width's bytecode under the contract's memory.</summary>
    OtherWidthBytecode,
}

/// <summary>What a <see cref="CraftOp"/> must observe: the import's outcome, the state it makes, the page it adds.</summary>
internal sealed record CraftExpectation(Outcome Outcome, string? Key);

/// <summary>
/// Exports a labelled commit, crafts the snapshot (<see cref="Craft"/>) on one contract and imports it:
/// a snapshot breaking a rule must be refused with <see cref="Merkle.InvalidSnapshotException"/> and
/// leave the store exactly as it was; a valid one becomes a commit with no parent, and from then on
/// the model's checks (on whichever memory path the sequence runs) cover it like any other state.
/// </summary>
internal sealed class CraftOp(int label, string? slot, Craft craft, ulong pastOffset, byte fill, int newLabel) : VmOperation
{
    /// <summary>The page index a <see cref="Craft.PageOutsideLength"/> writes for a contract: just past its length, or the width's last page.</summary>
    public static ulong PastIndex(Contract c, ulong offset) =>
        offset == ulong.MaxValue ? (c.Slot.Is64 ? (1UL << 30) : (1UL << 20)) - 1 : c.MemoryLength / 4096 + offset;

    public override bool Pre(VmModel m) =>
        m.Labels.TryGetValue(Label(label), out var key) && !m.Labels.ContainsKey(Label(newLabel))
        && (slot is null ? craft == Craft.Unchanged : m.States[key].Has(slot));

    protected override VmModel Step(VmModel m)
    {
        var key = m.Labels[Label(label)];
        if (!m.IsLive(key)) return m with { Expect = new CraftExpectation(Outcome.CommitNotFound, null) };
        var world = m.States[key];
        if (craft == Craft.PageOutsideLength)
        {
            var c = world[slot!];
            world = world.Set(c with { PastLength = c.PastLength.SetItem(PastIndex(c, pastOffset), fill) });
        }
        else if (craft != Craft.Unchanged)
        {
            return m with { Expect = new CraftExpectation(Outcome.InvalidSnapshot, null) };
        }
        m = m.WriteCommit(world, parent: null, batch: m.NextSeq);
        return m with
        {
            Labels = m.Labels.Add(Label(newLabel), world.Key),
            NextLabel = Math.Max(m.NextLabel, newLabel + 1),
            Expect = new CraftExpectation(Outcome.Ok(), world.Key),
        };
    }

    protected override void Execute(VmUnderTest a, VmModel m, List<string> errors)
    {
        var expect = (CraftExpectation)m.Expect!;
        var source = a.RootOf(m.Labels[Label(label)]);
        var exported = new MemoryStream();
        var export = Attempt(() => { a.Vm.Export(source, exported); return Outcome.Ok(); });
        if (!export.IsOk)
        {
            Compare(expect.Outcome, export, errors, "export");
            return;
        }
        byte[] snapshot = Crafted(exported.ToArray(), m.States[m.Labels[Label(label)]], a.CraftStore);
        // What the store holds (RocksDB's own disk use moves with background compactions).
        Storage.StoreStatistics Held() => a.Vm.Statistics().Store with { DiskBytes = 0 };
        var before = Held();
        Hash? imported = null;
        var outcome = Attempt(() => { imported = a.Vm.Import(new MemoryStream(snapshot)).Root; return Outcome.Ok(); });
        Compare(expect.Outcome, outcome, errors, "import");
        a.Statistics.Called($"import of a crafted snapshot ({craft}): {outcome.Kind}");
        if (!outcome.IsOk)
        {
            if (Held() is var after && after != before) errors.Add($"a refused import changed the store: {before} became {after}");
            return;
        }
        if (expect.Key is not { } key || imported is not { } root) return;
        a.Register(key, root, errors, ToString());
        if (errors.Count > 0) return;
        Checks.Committed(a, m, key, errors);
        Checks.Reachable(a, m, errors);
    }

    private byte[] Crafted(byte[] snapshot, World world, Storage.PageStore store)
    {
        if (craft == Craft.Unchanged) return snapshot;
        using var crafter = new Piecrust.Tests.Maintenance.SnapshotCrafter(snapshot, store);
        var c = world[slot!];
        var leaf = crafter.Leaf(c.Slot.Id);
        var page = Piecrust.Tests.Maintenance.SnapshotCrafter.Page(fill);
        switch (craft)
        {
            case Craft.PageOutsideLength:
                crafter.SetLeaf(crafter.WithPages(leaf, [(PastIndex(c, pastOffset), page)]));
                break;
            case Craft.LengthNotMultiple:
                crafter.SetLeaf(leaf with { MemoryLength = leaf.MemoryLength + 4096 * (1 + pastOffset % 15) });
                break;
            case Craft.LengthOverMaximum:
                crafter.SetLeaf(leaf with { MemoryLength = Merkle.ContractRules.MaxMemory(leaf.Is64) + 65536 });
                break;
            case Craft.TreeOfOtherHeight:
                crafter.SetLeaf(leaf.Is64
                    ? crafter.WithPages(leaf, [(pastOffset % 16, page)], height: Merkle.PageTree.Height32)
                    : crafter.WithPages(leaf, [((1UL << 20) + pastOffset, page)], height: Merkle.PageTree.Height64));
                break;
            case Craft.WrongNodeKind when pastOffset % 2 == 0 && leaf.PageTreeRoot != Merkle.PageTree.EmptyRoot(leaf.Height):
                // The issue's case: a contract branch pointing at a page-tree node.
                crafter.SetRoot(crafter.AddNode(Piecrust.Tests.Maintenance.SnapshotCrafter.ContractBranch(leaf.PageTreeRoot, crafter.Root)));
                break;
            case Craft.WrongNodeKind:
                crafter.SetLeaf(leaf with { PageTreeRoot = leaf.Hash, Owner = new byte[] { fill } });
                break;
            case Craft.InvalidBytecode:
                var code = ContractFiles.Bytes(c.Slot.File);
                crafter.SetLeaf(leaf with { Bytecode = crafter.AddBytecode(pastOffset % 2 == 0 ? code[..(code.Length / 2)] : [0, 0x61, 0x73, 0x6d, fill]) });
                break;
            case Craft.OtherWidthBytecode:
                crafter.SetLeaf(leaf with { Bytecode = crafter.AddBytecode(ContractFiles.Bytes(Slot.KindFile(c.Slot.Kind) + (c.Slot.Is64 ? "" : "64"))) });
                break;
        }
        return crafter.Export();
    }

    public override string ToString() =>
        $"{Label(newLabel)} = Import(crafted {Label(label)}: {craft}{(slot is null ? "" : " on " + slot)}{(craft == Craft.PageOutsideLength ? $", page +{(pastOffset == ulong.MaxValue ? "last" : pastOffset.ToString())} = {fill:x2}" : "")})";
}
