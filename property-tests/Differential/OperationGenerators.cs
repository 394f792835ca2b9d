using FsCheck;
using FsCheck.Fluent;

namespace Piecrust.PropertyTests.Differential;

/// <summary>Random operations: writes, growth, panics, out of gas, nested failures, commits and reopening on earlier roots.</summary>
internal static class OperationGenerators
{
    private static byte[] U32(int v) => BitConverter.GetBytes((uint)v);
    private static byte[] U64(ulong v) => BitConverter.GetBytes(v);

    private static byte[] Request(string contract, string function, byte[] arg)
    {
        var id = DifferentialWorld.Instance.Value.Id(contract).ToArray();
        var name = System.Text.Encoding.UTF8.GetBytes(function);
        return [.. id, .. U32(name.Length), .. name, .. arg];
    }

    private static Gen<CallOperation> Call(string contract, string function, Gen<byte[]> arg) =>
        from a in arg
        from gas in Gen.Frequency((9, Gen.Constant(10_000_000UL)), (1, Gen.Choose(200, 20_000).Select(g => (ulong)g)))
        select new CallOperation(contract, function, a, gas);

    private static Gen<CallOperation> Call(string contract, string function, byte[] arg) => Call(contract, function, Gen.Constant(arg));

    private static readonly Gen<byte[]> Bytes =
        from size in Gen.Frequency((3, Gen.Choose(1, 64)), (1, Gen.Choose(4000, 9000)))
        from seed in Gen.Choose(0, int.MaxValue)
        select CreateBytes(size, seed);

    private static byte[] CreateBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Gen<CallOperation> Calls()
    {
        var counters = Gen.Elements("counter", "counter64");
        var growths = Gen.Elements("growth", "growth64");
        var pastLengths = Gen.Elements("pastlen", "pastlen64");
        // Offsets past the length: inside the next few 64 KiB pages, so growth over them is likely.
        var offset = Gen.Frequency((3, Gen.Choose(0, 4 * 65536 - 8)), (1, Gen.Choose(0, 64)));
        var crossover = from a in Gen.Choose(-5, 5)
                        from b in Gen.Choose(-5, 5)
                        from c in Gen.Choose(-5, 5)
                        select (byte[])[.. DifferentialWorld.Instance.Value.Id("crossoverY").ToArray(), .. U32(a), .. U32(b), .. U32(c)];
        return Gen.OneOf(
            counters.SelectMany(c => Gen.OneOf(
                Call(c, "increment", []),
                Call(c, "read_value", []),
                Call(c, "write_value", Gen.Choose(0, 1000).Select(v => U64((ulong)v))),
                Call(c, "increment_fallible", Gen.Elements<byte[]>([0], [1])))),
            growths.SelectMany(g => Gen.OneOf(
                Call(g, "grow_by", Gen.Choose(0, 3).Select(U32)),
                Call(g, "grow_and_panic", Gen.Choose(1, 3).Select(U32)),
                Call(g, "read_marker", Gen.Choose(0, 8).Select(U32)),
                Call(g, "len", []),
                Call(g, "append", Bytes),
                Call(g, "append_and_panic", Bytes))),
            pastLengths.SelectMany(p => Gen.OneOf(
                Call(p, "poke_past", from o in offset from v in Gen.Choose(1, int.MaxValue) select (byte[])[.. U32(o), .. U64((ulong)v)]),
                Call(p, "peek_past", offset.Select(U32)),
                Call(p, "fill_past", from o in offset from n in Gen.Choose(0, 9000) select (byte[])[.. U32(o), .. U32(n)]),
                Call(p, "copy_past", from d in offset from s in offset from n in Gen.Choose(0, 9000) select (byte[])[.. U32(d), .. U32(s), .. U32(n)]),
                Call(p, "grow", Gen.Choose(0, 3).Select(U32)),
                Call(p, "poke_past_and_trap", from o in offset from v in Gen.Choose(1, int.MaxValue) select (byte[])[.. U32(o), .. U64((ulong)v)]),
                Call(p, "poke_top", from back in Gen.Choose(0, 16) from v in Gen.Choose(1, int.MaxValue) select (byte[])[.. U32(back), .. U64((ulong)v)]))),
            Gen.OneOf(
                Call("crossoverX", "write_call_read", crossover),
                Call("crossoverX", "write_call_ok", crossover),
                Call("crossoverX", "set_crossover", Gen.Choose(-9, 9).Select(U32)),
                Call("crossoverY", "crossover", [])),
            Gen.OneOf(
                Call("callcenter", "delegate_query", Gen.Elements<byte[]>([0], [1]).Select(flag => Request("counter", "increment_fallible", flag))),
                Call("callcenter", "delegate_query", Gen.Choose(1, 3).Select(n => Request("growth", "grow_and_panic", U32(n)))),
                Call("callcenter", "delegate_query", Gen.Constant(0).Select(_ => Request("spender", "spend", []))),
                Call("callcenter", "panic_after_call", Gen.Constant(0).Select(_ => Request("counter", "increment", []))),
                Call("callcenter", "increment_counter", Gen.Constant(0).Select(_ => DifferentialWorld.Instance.Value.Id("counter64").ToArray()))),
            Gen.OneOf(
                Call("eventer", "emit_events", Gen.Choose(0, 5).Select(U32)),
                Call("event_reverter", "call_failing", Gen.Constant(0).Select(_ => DifferentialWorld.Instance.Value.Id("eventer").ToArray())),
                Call("spender", "spend", []),
                Call("spender", "burn", Gen.Choose(0, 500).Select(U32)),
                Call("stack", "push_n", Gen.Choose(0, 3000).Select(U32)),
                Call("stack", "pop", []),
                Call("fibonacci", "nth", Gen.Choose(0, 8).Select(U32))));
    }

    public static Gen<Operation> Operation() => Gen.Frequency(
        (12, Calls().Select(c => (Operation)c)),
        (2, Gen.Constant((Operation)new CommitOperation())),
        (1, Gen.Choose(0, 20).Select(i => (Operation)new ReopenOperation(i))),
        (1, Gen.Constant((Operation)new CheckRootOperation())));

    public static Arbitrary<Operation[]> Sequences() => Arb.From(
        Gen.Sized(size => Gen.Choose(1, Math.Max(2, Math.Min(size, 40))).SelectMany(n => Gen.ArrayOf(Operation(), n))),
        Shrink);

    // A shorter sequence is simpler: try halves first, then dropping one operation at a time.
    private static IEnumerable<Operation[]> Shrink(Operation[] operations)
    {
        if (operations.Length > 1)
        {
            yield return operations[..(operations.Length / 2)];
            yield return operations[(operations.Length / 2)..];
        }
        for (int i = 0; i < operations.Length && operations.Length > 1; i++)
            yield return [.. operations[..i], .. operations[(i + 1)..]];
    }
}
