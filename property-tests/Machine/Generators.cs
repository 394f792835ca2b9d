using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Piecrust.PropertyTests.Model;
using static Piecrust.PropertyTests.Model.Semantics;

namespace Piecrust.PropertyTests.Machine;

/// <summary>
/// Random operations for a model state. Calls are drawn per contract kind from what the model
/// covers: successful writes, reads, growth, panics, traps, out of gas, nested calls that succeed or
/// fail in every way, and the engine's own refusals (missing contract or function, <c>init</c>,
/// oversized argument).
/// </summary>
internal static class Generators
{
    private const int MaxSessions = 3;
    private const int MaxStack = 400;
    private const int MaxPages = 12;

    private static readonly byte[][] Owners = [[0x01], [0x02, 0x02]];

    /// <summary>
    /// The next operation. Weights (out of ~600): calls 240, deploys 120 (while slots are free), commits 80,
    /// opens 60, drops and deletes 40 each, finalizes and parallel batches 20 each, crafted snapshot imports 12 (2 while no live commit has a contract), restarts
    /// <paramref name="restartWeight"/> (a restart reopens RocksDB, ~0.2 s here, and recompiles what it
    /// deploys next: a hundred times any other operation).
    /// </summary>
    public static Gen<VmOperation> Next(VmModel m, int restartWeight)
    {
        var ops = new List<(int, Gen<VmOperation>)>();
        var sessions = m.Sessions.Keys.ToArray();
        var labels = m.Labels.Keys.Select(LabelNumber).Order().ToArray();
        var live = m.LiveLabels.Select(LabelNumber).ToArray();

        if (sessions.Length < MaxSessions)
            ops.Add((60, BaseLabel(live, labels, allowDead: true).Select(b => (VmOperation)new OpenOp(m.NextSession, b))));
        if (sessions.Length > 0)
        {
            var sid = Gen.Elements(sessions);
            // Deploys while a session lacks some slots, calls once it has contracts.
            int missing = sessions.Count(s => m.Slots.Any(slot => !m.Sessions[s].World.Has(slot)));
            int deployed = sessions.Count(s => m.Sessions[s].World.Contracts.Count > 0);
            ops.Add((missing > 0 ? 120 : 12, sid.SelectMany(s => DeploySlot(m, m.Sessions[s].World), (s, slot) => (s, slot))
                .SelectMany(_ => Gen.Elements(Owners), (x, owner) => (VmOperation)new DeployOp(x.s, x.slot, owner))));
            ops.Add((deployed > 0 ? 240 : 20, sid.SelectMany(s => Call(m, m.Sessions[s].World), (s, call) => (VmOperation)new CallOp(s, call))));
            ops.Add((80, sid.Select(s => (VmOperation)new CommitOp(s, m.NextLabel))));
            ops.Add((40, sid.Select(s => (VmOperation)new DropOp(s))));
        }
        if (labels.Length > 0)
        {
            var any = Gen.Elements(labels);
            var target = live.Length > 0 ? Gen.Frequency((4, Gen.Elements(live)), (1, any)) : any;
            ops.Add((40, target.Select(l => (VmOperation)new DeleteOp(l))));
            ops.Add((20, target.Select(l => (VmOperation)new FinalizeOp(l))));
        }
        if (live.Length > 0)
            ops.Add((live.Any(l => m.States[m.Labels[$"c{l}"]].Contracts.Count > 0) ? 12 : 2, Crafted(m, live)));
        if (restartWeight > 0)
            ops.Add((restartWeight, Gen.Elements(VmConfig.All).Select(config => (VmOperation)new RestartOp(config))));
        ops.Add((20, Parallel(m, live)));
        return Gen.Frequency(ops);
    }

    private static int LabelNumber(string label) => int.Parse(label.AsSpan(1));

    /// <summary>
    /// A crafted snapshot of a live commit: mostly a legal page past a contract's length (just past
    /// it, where a growth may cover it, or the width's last page), else the commit as exported, or one
    /// rule broken (<see cref="Craft"/>).
    /// </summary>
    private static Gen<VmOperation> Crafted(VmModel m, int[] live)
    {
        var withContracts = live.Where(l => m.States[m.Labels["c" + l]].Contracts.Count > 0).ToArray();
        var label = withContracts.Length > 0 ? Gen.Frequency((12, Gen.Elements(withContracts)), (1, Gen.Elements(live))) : Gen.Elements(live);
        return label.SelectMany(l =>
        {
            var world = m.States[m.Labels["c" + l]];
            if (world.Contracts.Count == 0) return Gen.Constant((VmOperation)new CraftOp(l, null, Craft.Unchanged, 0, 1, m.NextLabel));
            var invalid = Enum.GetValues<Craft>().Where(c => c is not (Craft.PageOutsideLength or Craft.Unchanged)).ToArray();
            var craft = Gen.Frequency((6, Gen.Constant(Craft.PageOutsideLength)), (1, Gen.Constant(Craft.Unchanged)), (6, Gen.Elements(invalid)));
            var offset = Gen.Frequency((4, Gen.Choose(0, 31).Select(o => (ulong)o)), (1, Gen.Constant(ulong.MaxValue)));
            // Growth contracts first for pages past the length: the checks grow over them (Checks.GrowOverStoredPages).
            var growth = world.Contracts.Values.Where(c => c.Slot.Kind == Kind.Growth).Select(c => c.Slot.Name).ToArray();
            var any = Gen.Elements(world.Contracts.Keys.AsEnumerable());
            var slot = growth.Length > 0 ? Gen.Frequency((1, Gen.Elements(growth)), (1, any)) : any;
            return slot
                .SelectMany(_ => craft, (slot, c) => (slot, c))
                .SelectMany(_ => offset, (x, o) => (x.slot, x.c, o))
                .SelectMany(_ => Gen.Choose(1, 255), (x, fill) => (VmOperation)new CraftOp(l, x.slot, x.c, x.o, (byte)fill, m.NextLabel));
        });
    }

    /// <summary>A base for a session: the empty state, a live commit, or (rarely) a deleted one.</summary>
    private static Gen<int?> BaseLabel(int[] live, int[] labels, bool allowDead)
    {
        var choices = new List<(int, Gen<int?>)> { (1, Gen.Constant<int?>(null)) };
        if (live.Length > 0) choices.Add((5, Gen.Elements(live).Select(l => (int?)l)));
        var dead = labels.Except(live).ToArray();
        if (allowDead && dead.Length > 0) choices.Add((1, Gen.Elements(dead).Select(l => (int?)l)));
        return Gen.Frequency(choices);
    }

    private static Gen<string> DeploySlot(VmModel m, World world)
    {
        var missing = m.Slots.Where(s => !world.Has(s)).ToArray();
        var all = Gen.Elements(m.Slots.AsEnumerable());
        // The other half of a deployed crossover first: cross calls need both.
        var partners = missing.Where(s => Slot.Get(s).Partner is { } p && world.Has(p)).ToArray();
        if (partners.Length > 0) return Gen.Frequency((6, Gen.Elements(partners)), (1, all));
        return missing.Length > 0 ? Gen.Frequency((6, Gen.Elements(missing)), (1, all)) : all;
    }

    private static Gen<VmOperation> Parallel(VmModel m, int[] live) =>
        Gen.Choose(2, 4).SelectMany(n =>
            Gen.ListOf(
                BaseLabel(live, [], allowDead: false).SelectMany(
                    b => Call(m, b is { } l ? m.States[m.Labels["c" + l]] : World.Empty),
                    (b, call) => (b, call)),
                n))
        .Select(list => (VmOperation)new ParallelOp(list.Select((t, i) => new ParallelTask(t.b, t.call, m.NextLabel + i)).ToImmutableArray()));

    /// <summary>A top-level call on the world of a session: mostly a deployed contract, sometimes a refusal or a starved gas limit.</summary>
    public static Gen<CallSpec> Call(VmModel m, World world)
    {
        var deployed = m.Slots.Where(world.Has).ToArray();
        var choices = new List<(int, Gen<CallSpec>)>();
        if (deployed.Length > 0) choices.Add((40, Gen.Elements(deployed).SelectMany(s => KindCall(m, world, s, nested: false))));
        choices.Add((2, Gen.Elements(m.Slots.Append(Slot.Ghost)).SelectMany(s => KindCall(m, world, s, nested: false))));
        var target = Gen.Elements(deployed.Length > 0 ? deployed : m.Slots.ToArray());
        choices.Add((1, target.Select(s => Spec(s, "nope", [], "()"))));
        choices.Add((1, target.Select(s => Spec(s, "init", [], "()"))));
        choices.Add((1, target.Select(s => Spec(s, "read_value", new byte[Session.MaxArgumentSize + 1], $"({Session.MaxArgumentSize + 1} bytes)"))));
        var call = Gen.Frequency(choices);
        return Gen.Frequency((14, call), (1, call.Select(c => c with { Gas = CallSpec.StarvedGas })));
    }

    private static CallSpec Spec(string slot, string fn, byte[] arg, string args) => new(slot, fn, arg, CallSpec.DefaultGas, $"{slot}.{fn}{args}");

    private static Gen<CallSpec> KindCall(VmModel m, World world, string slotName, bool nested)
    {
        if (slotName == Slot.Ghost) return Gen.Constant(Spec(Slot.Ghost, "read_value", [], "()"));
        var slot = Slot.Get(slotName);
        var c = world.Has(slotName) ? world[slotName] : Contract.Deployed(slot, Owners[0]);
        var small = Gen.Elements(0, 1, 2, 7, 42, -1);
        CallSpec S(string fn, byte[] arg, string args) => Spec(slotName, fn, arg, args);
        switch (slot.Kind)
        {
            case Kind.Counter:
                return Gen.Frequency(
                    (2, Gen.Constant(S("read_value", [], "()"))),
                    (3, Gen.Constant(S("increment", [], "()"))),
                    (1, Gen.Constant(S("decrement", [], "()"))),
                    (2, Gen.Elements(0L, 1L, 0xfcL, -1L, 42L).Select(v => S("write_value", Le64(v), $"({v})"))),
                    (1, Gen.Constant(S("write_value", [1, 2, 3], "(3 bytes)"))),
                    (2, Gen.Elements(0, 1).Select(f => S("increment_fallible", [(byte)f], $"({f})"))));
            case Kind.Box:
                return Gen.Frequency(
                    (3, Gen.Elements<short>(0, 1, -2, 0x0107).Select(v => S("set", Le16(v), $"({v})"))),
                    (1, Gen.Constant(S("set", [9], "(1 byte)"))),
                    (2, Gen.Constant(S("get", [], "()"))));
            case Kind.Stack:
                var pops = Gen.Frequency((3, Gen.Constant(S("pop", [], "()"))), (2, Gen.Constant(S("len", [], "()"))));
                if (c.StackCount >= MaxStack) return pops;
                return Gen.Frequency(
                    (3, small.Select(v => S("push", Le32((uint)v), $"({v})"))),
                    (2, Gen.Elements(0, 1, 3, 10).Select(n => S("push_n", Le32((uint)n), $"({n})"))),
                    (1, Gen.Constant(S("push", [1, 2], "(2 bytes)"))),
                    (4, pops));
            case Kind.Growth:
                var growth = new List<(int, Gen<CallSpec>)>
                {
                    (2, Gen.Constant(S("len", [], "()"))),
                    (2, Gen.Choose(Contract.InitialPages, c.Pages).Select(p => S("read_marker", Le32((uint)p), $"({p})"))),
                    (1, Gen.Constant(S("grow_and_panic", Le32(1), "(1)"))),
                    (1, Gen.Constant(S("grow_by", [1], "(1 byte)"))),
                };
                if (c.Pages < MaxPages) growth.Add((3, Gen.Elements(0, 1, 2).Select(n => S("grow_by", Le32((uint)n), $"({n})"))));
                return Gen.Frequency(growth);
            case Kind.Crossover:
                var triple = Gen.Three(Gen.Choose(-2, 9));
                var other = Gen.Frequency((5, Gen.Constant(slot.Partner!)), (1, Gen.Constant(Slot.Ghost)));
                Gen<CallSpec> Cross(string fn) => other.SelectMany(_ => triple, (o, v) =>
                    S(fn, Cat(Slot.IdOf(o).ToArray(), Le32((uint)v.Item1), Le32((uint)v.Item2), Le32((uint)v.Item3)), $"({o}, {v.Item1}, {v.Item2}, {v.Item3})"));
                var back = Gen.Elements("set_back_and_panic", "set_back").Select(fn => S(fn, Cat(Le32(3), Le32(4)), "(3, 4)"));
                if (nested)
                    return Gen.Frequency((2, Gen.Constant(S("crossover", [], "()"))), (2, small.Select(v => S("set_crossover", Le32((uint)v), $"({v})"))), (1, back));
                return Gen.Frequency(
                    (2, Gen.Constant(S("crossover", [], "()"))),
                    (2, small.Select(v => S("set_crossover", Le32((uint)v), $"({v})"))),
                    (3, Cross("write_call_read")),
                    (3, Cross("write_call_ok")),
                    (1, back));
            case Kind.Callcenter:
                var others = m.Slots.Where(t => t != slotName && world.Has(t)).ToArray();
                var callee = others.Length > 0
                    ? Gen.Frequency((6, Gen.Elements(others)), (1, Gen.Elements(m.Slots.Append(Slot.Ghost))))
                    : Gen.Elements(m.Slots.Append(Slot.Ghost));
                var request = callee.SelectMany(t => NestedCall(m, world, slotName, t, nested));
                if (nested) return request.Select(r => S("delegate_query", Request(Slot.IdOf(r.Slot), r.Function, r.Arg), $"({r.Display})"));
                return Gen.Frequency(
                    (5, request.Select(r => S("delegate_query", Request(Slot.IdOf(r.Slot), r.Function, r.Arg), $"({r.Display})"))),
                    (1, request.Select(r => S("panic_after_call", Request(Slot.IdOf(r.Slot), r.Function, r.Arg), $"({r.Display})"))));
            case Kind.Spender:
                return Gen.Frequency(
                    (1, Gen.Constant(S("spend", [], "()"))),
                    (1, Gen.Constant(S("spend_panic", [], "()"))),
                    (3, Gen.Elements(0, 3, 50).Select(n => S("burn", Le32((uint)n), $"({n})"))));
            default:
                throw new ArgumentOutOfRangeException(nameof(slotName));
        }
    }

    /// <summary>
    /// What callcenter <paramref name="caller"/> asks another contract to do. Never a call back into a
    /// callcenter already on the stack with a frame of its own (its frame would land below the first
    /// one, which the model does not follow): only refusals and <c>panik</c> on itself.
    /// </summary>
    private static Gen<CallSpec> NestedCall(VmModel m, World world, string caller, string target, bool nested)
    {
        var refusals = Gen.Elements("nope", "init").Select(fn => Spec(target, fn, [], "()"));
        if (target == Slot.Ghost) return Gen.Frequency((3, Gen.Constant(Spec(target, "read_value", [], "()"))), (1, refusals));
        if (target == caller) return Gen.Frequency((1, refusals), (1, Gen.Constant(Spec(target, "panik", [], "()"))));
        if (Slot.Get(target).Kind == Kind.Callcenter && nested) return refusals;
        return Gen.Frequency((8, KindCall(m, world, target, nested: true)), (1, refusals));
    }
}
