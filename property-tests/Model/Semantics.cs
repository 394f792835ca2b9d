using System.Buffers.Binary;
using System.Text;

namespace Piecrust.PropertyTests.Model;

/// <summary>A top-level call as the model and the test issue it; <see cref="Display"/> is what a counterexample prints.</summary>
internal sealed record CallSpec(string Slot, string Function, byte[] Arg, ulong Gas, string Display)
{
    public const ulong DefaultGas = 1_000_000;

    /// <summary>Too little for any function's first instructions: the call must run out of gas.</summary>
    public const ulong StarvedGas = 1;

    public override string ToString() => Gas == DefaultGas ? Display : $"{Display} [gas {Gas}]";
}

/// <summary>
/// The contracts' behaviour, written directly from their C sources (tests/contracts/*.c) without
/// emulating WASM: each function's effect on its state variables, on the argument buffer A (the
/// host writes the argument there, the contract writes its result there), on the top of the shadow
/// stack, and its result or failure. Nested calls follow the ABI: a failed callee changes nothing
/// and its caller gets the error code (and, for a panic, <c>[u32 len][message]</c> in A).
/// </summary>
internal static class Semantics
{
    public const int PanicCode = -1, OutOfGasCode = -2, DoesNotExistCode = -3, UnknownCode = int.MinValue;
    /// <summary>
    /// The VMs under test run with <see cref="VMOptions.MaxMemory"/> = 64 GiB: every memory reserves its
    /// maximum size of address space, and a sequence keeps up to 60 sessions open, more than fit at 4 TiB each.
    /// </summary>
    public const ulong MaxMemory = 64UL << 30;

    private const int MaxPages32 = 65536;
    private const int MaxPages64 = (int)(MaxMemory / 65536);

    /// <summary>A call from the host: argument and name checks, then the contract; a failure leaves the world as it was.</summary>
    public static (World World, Outcome Outcome) TopLevel(World world, CallSpec call)
    {
        if (call.Arg.Length > Session.MaxArgumentSize || call.Function == "init") return (world, Outcome.InvalidArgument);
        if (!world.Has(call.Slot)) return (world, Outcome.ContractNotFound);
        if (!Slot.Exports(world[call.Slot].Slot.Kind).Contains(call.Function)) return (world, Outcome.FunctionNotFound);
        if (call.Gas == CallSpec.StarvedGas) return (world, Outcome.OutOfGas);
        var (after, outcome) = Invoke(world, call.Slot, call.Function, call.Arg, caller: null);
        return outcome.IsOk ? (after, outcome) : (world, outcome);
    }

    /// <summary>Runs one frame of <paramref name="slot"/>; on failure the returned world is meaningless (the caller discards it).</summary>
    private static (World, Outcome) Invoke(World world, string slot, string fn, byte[] arg, string? caller)
    {
        var c = world[slot];
        var a = c.A.Overlay(arg); // the host copies the argument into A
        return c.Slot.Kind switch
        {
            Kind.Counter => Counter(world, c, a, fn, arg),
            Kind.Box => Box(world, c, a, fn, arg),
            Kind.Stack => Stack(world, c, a, fn, arg),
            Kind.Growth => Growth(world, c, a, fn, arg),
            Kind.Crossover => Crossover(world, c, a, fn, arg, caller),
            Kind.Callcenter => Callcenter(world, c, a, fn, arg),
            Kind.Spender => Spender(world, c, a, fn, arg),
            _ => throw new ArgumentOutOfRangeException(nameof(slot)),
        };
    }

    private static (World, Outcome) Done(World world, Contract c, Blob a, byte[] result) =>
        (world.Set(c with { A = a.Overlay(result) }), Outcome.Ok(result));

    private static (World, Outcome) Panic(World world, string message) => (world, Outcome.Panic(message));

    private static Exception NotModelled(Contract c, string fn) => new InvalidOperationException($"the model does not cover {c.Slot}.{fn} here");

    private static (World, Outcome) Counter(World w, Contract c, Blob a, string fn, byte[] arg) => fn switch
    {
        "read_value" => Done(w, c, a, Le64(c.Counter)),
        "increment" => Done(w, c with { Counter = c.Counter + 1 }, a, []),
        "decrement" => Done(w, c with { Counter = c.Counter - 1 }, a, []),
        "write_value" => arg.Length != 8 ? Panic(w, "write_value: expected 8 bytes") : Done(w, c with { Counter = BinaryPrimitives.ReadInt64LittleEndian(arg) }, a, []),
        "increment_fallible" => arg.Length >= 1 && arg[0] != 0 ? Panic(w, "Incremental panic") : Done(w, c with { Counter = c.Counter + 1 }, a, []),
        _ => throw NotModelled(c, fn),
    };

    private static (World, Outcome) Box(World w, Contract c, Blob a, string fn, byte[] arg) => fn switch
    {
        "set" => arg.Length != 2 ? Panic(w, "set: expected 2 bytes") : Done(w, c with { Box = BinaryPrimitives.ReadInt16LittleEndian(arg) }, a, []),
        "get" => Done(w, c, a, c.Box is { } v ? Le16(v) : []),
        _ => throw NotModelled(c, fn),
    };

    private static (World, Outcome) Stack(World w, Contract c, Blob a, string fn, byte[] arg)
    {
        switch (fn)
        {
            case "push":
                if (arg.Length != 4) return Panic(w, "push: expected 4 bytes");
                return Done(w, Push(c, BinaryPrimitives.ReadInt32LittleEndian(arg)), a, []);
            case "push_n":
                if (arg.Length != 4) return Panic(w, "push_n: expected 4 bytes");
                uint n = BinaryPrimitives.ReadUInt32LittleEndian(arg);
                for (uint i = 0; i < n; i++) c = Push(c, (int)i);
                return Done(w, c, a, []);
            case "pop":
                if (c.StackCount == 0) return Done(w, c, a, []);
                int top = c.StackSlots[c.StackCount - 1];
                return Done(w, c with { StackCount = c.StackCount - 1 }, a, Le32((uint)top));
            case "len":
                return Done(w, c, a, Le32((uint)c.StackCount));
            default:
                throw NotModelled(c, fn);
        }
    }

    private static Contract Push(Contract c, int value)
    {
        // The two initial pages hold ~8,000 items after A; the model does not cover growing the stack's memory.
        if (c.StackCount >= 4000) throw NotModelled(c, "push beyond 4000 items");
        var slots = c.StackCount < c.StackSlots.Count ? c.StackSlots.SetItem(c.StackCount, value) : c.StackSlots.Add(value);
        return c with { StackInit = true, StackCount = c.StackCount + 1, StackSlots = slots };
    }

    public static ulong Marker(int page) => 0xC0DE000000000000UL | (uint)page;

    private static (World, Outcome) Growth(World w, Contract c, Blob a, string fn, byte[] arg)
    {
        if (fn == "len") return Done(w, c, a, Le64(c.MemoryLength));
        if (arg.Length != 4) return fn is "grow_by" or "grow_and_panic" or "read_marker" ? Panic(w, "expected u32") : throw NotModelled(c, fn);
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(arg);
        switch (fn)
        {
            case "grow_by":
            case "grow_and_panic":
                if ((ulong)c.Pages + n > (ulong)(c.Slot.Is64 ? MaxPages64 : MaxPages32)) return Panic(w, "grow failed");
                if (fn == "grow_and_panic") return Panic(w, "grew and panicked");
                return Done(w, c.GrownTo(c.Pages + (int)n), a, Le64((ulong)c.Pages));
            case "read_marker":
                if (n < 2) throw NotModelled(c, "read_marker below page 2");
                if (n < c.Pages) return Done(w, c, a, Le64(Marker((int)n)));
                // Past the length but inside the maximum size (piecrust 0.32): the stored bytes, zero if none.
                if ((ulong)n * 65536 + 8 > (c.Slot.Is64 ? MaxMemory : 1UL << 32)) return (w, Outcome.Trap);
                byte fill = c.PastLength.TryGetValue((ulong)n * 16, out var stored) ? stored : (byte)0;
                return Done(w, c, a, Enumerable.Repeat(fill, 8).ToArray());
            default:
                throw NotModelled(c, fn);
        }
    }

    private static (World, Outcome) Crossover(World w, Contract c, Blob a, string fn, byte[] arg, string? caller)
    {
        switch (fn)
        {
            case "crossover":
                return Done(w, c, a, Le32((uint)c.Cross));
            case "set_crossover":
                if (arg.Length != 4) return Panic(w, "expected i32");
                return Done(w, c with { Cross = BinaryPrimitives.ReadInt32LittleEndian(arg) }, a, Le32((uint)c.Cross));
            case "set_back_and_panic":
            case "set_back":
                if (arg.Length != 8) return Panic(w, "expected 2 x i32");
                if (caller is null) return Panic(w, "Should be called by another contract");
                // A non-crossover caller has no set_crossover: calling back answers Unknown.
                if (w[caller].Slot.Kind != Kind.Crossover) return Panic(w, $"calling back failed: {UnknownCode}");
                throw NotModelled(c, fn + " from a crossover outside write_call_*");
            case "write_call_read":
            case "write_call_ok":
                if (arg.Length != 44) return Panic(w, "expected id and 3 x i32");
                var other = w.ById(ContractId.FromBytes(arg.AsSpan(0, 32)));
                int vs = BinaryPrimitives.ReadInt32LittleEndian(arg.AsSpan(32)), vf = BinaryPrimitives.ReadInt32LittleEndian(arg.AsSpan(36)), vb = BinaryPrimitives.ReadInt32LittleEndian(arg.AsSpan(40));
                if (other is null) return Panic(w, $"crossover query failed: {DoesNotExistCode}");
                if (other.Slot.Kind != Kind.Crossover || other.Slot == c.Slot) throw NotModelled(c, fn + " with " + other.Slot);
                byte[] result;
                if (fn == "write_call_read")
                {
                    // other.set_back_and_panic fails: its writes (and its re-entrant write into us) are undone.
                    // Then other.crossover() answers its unchanged value.
                    result = Cat(Le32(unchecked((uint)PanicCode)), Le32((uint)vs), Le32((uint)other.Cross));
                    w = w.Set(other with { A = other.A.Overlay(Le32((uint)other.Cross)) });
                    c = c with { Cross = vs, CrossFrame = other.Slot.Name };
                }
                else
                {
                    // other.set_back: sets vf, reads our id (caller) into its A and its stack buffer,
                    // calls our set_crossover(vb) (we had vs), returns (); then other.crossover() = vf.
                    var otherA = other.A.Overlay(Cat(Le32((uint)vf), Le32((uint)vb))).Overlay(c.Slot.Id.ToArray())
                        .Overlay(Le32((uint)vb)).Overlay(Le32((uint)vs)).Overlay(Le32((uint)vf));
                    w = w.Set(other with { Cross = vf, CrossFrame = c.Slot.Name, A = otherA });
                    result = Cat(Le32(0), Le32((uint)vb), Le32((uint)vf));
                    c = c with { Cross = vb, CrossFrame = other.Slot.Name };
                }
                // Every write to our A on the way (8-byte call argument, callee result, panic payload) lies inside the final 12 bytes.
                return Done(w, c, a, result);
            default:
                throw NotModelled(c, fn);
        }
    }

    private static (World, Outcome) Callcenter(World w, Contract c, Blob a, string fn, byte[] arg)
    {
        if (fn == "panic_after_call") return Panic(w, "panic after call");
        if (fn == "panik") return Panic(w, "panik");
        if (fn != "delegate_query") throw NotModelled(c, fn);
        if (arg.Length < 36) return Panic(w, "request too short");
        uint nameLength = BinaryPrimitives.ReadUInt32LittleEndian(arg.AsSpan(32));
        if (nameLength > 256 || 36 + nameLength > arg.Length) return Panic(w, "bad function name length");
        var id = arg[..32];
        var name = arg.AsSpan(36, (int)nameLength).ToArray();
        var fnArg = arg[(36 + (int)nameLength)..];
        var frame = new CallcenterFrame(Blob.Of(id), (c.Frame?.Name ?? Blob.Empty).Overlay(name), nameLength, (uint)fnArg.Length);
        a = a.Overlay(fnArg); // memmove(A, A + fn_arg_at, fn_arg_len)
        w = w.Set(c with { A = a, Frame = frame });

        var (after, code, written) = Nested(w, c.Slot.Name, ContractId.FromBytes(id), Encoding.UTF8.GetString(name), fnArg);
        c = after[c.Slot.Name];
        a = c.A;
        if (written is not null) a = a.Overlay(written);
        // with_header(code, 4): move the payload up by 4 bytes, put the code in front.
        int n = code >= 0 ? code : code == PanicCode ? 4 + (int)BinaryPrimitives.ReadUInt32LittleEndian(a.Read(0, 4)) : 0;
        n = Math.Min(n, Session.MaxArgumentSize - 4);
        a = a.WriteAt(4, a.Read(0, n)).WriteAt(0, Le32(unchecked((uint)code)));
        return Done(after, c, a, a.Read(0, 4 + n));
    }

    /// <summary>
    /// The <c>c</c> import: the callee's new world and the code, plus the bytes the host writes into
    /// the caller's A (the result, or a panic's payload). A failed callee leaves the world unchanged.
    /// </summary>
    private static (World World, int Code, byte[]? Written) Nested(World w, string caller, ContractId callee, string name, byte[] arg)
    {
        if (name == "init") return (w, UnknownCode, null);
        var target = w.ById(callee);
        if (target is null) return (w, DoesNotExistCode, null);
        if (!Slot.Exports(target.Slot.Kind).Contains(name)) return (w, UnknownCode, null);
        var (after, outcome) = Invoke(w, target.Slot.Name, name, arg, caller);
        switch (outcome.Kind)
        {
            case OutcomeKind.Ok:
                return (after, outcome.Data!.Length, outcome.Data);
            case OutcomeKind.Panic:
                var message = Encoding.UTF8.GetBytes(outcome.Message!);
                int length = Math.Min(message.Length, Session.MaxArgumentSize - 4);
                return (w, PanicCode, Cat(Le32((uint)length), message[..length]));
            case OutcomeKind.OutOfGas:
                return (w, OutOfGasCode, null);
            default:
                return (w, UnknownCode, null);
        }
    }

    private static (World, Outcome) Spender(World w, Contract c, Blob a, string fn, byte[] arg) => fn switch
    {
        "spend" => (w, Outcome.OutOfGas),
        "spend_panic" => Panic(w, "I like spending"),
        "burn" => arg.Length != 4 ? Panic(w, "expected u32") : Done(w, c with { Burn = BinaryPrimitives.ReadUInt32LittleEndian(arg) }, a, []),
        _ => throw NotModelled(c, fn),
    };

    public static byte[] Le16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, v); return b; }
    public static byte[] Le32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public static byte[] Le64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); return b; }
    public static byte[] Le64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }
    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A call request as callcenter reads it: <c>[id32][u32 name_len][name][arg…]</c>.</summary>
    public static byte[] Request(ContractId callee, string function, byte[] arg)
    {
        var name = Encoding.UTF8.GetBytes(function);
        return Cat(callee.ToArray(), Le32((uint)name.Length), name, arg);
    }
}
