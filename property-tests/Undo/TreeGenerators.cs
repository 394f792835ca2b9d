using FsCheck;
using FsCheck.Fluent;

namespace Piecrust.PropertyTests.Undo;

/// <summary>Random call trees: writes, growth, events, debug lines, fed items, gas, and failures (panic, trap, out of gas) at any depth.</summary>
internal static class TreeGenerators
{
    private const int MaxDepth = 4;

    private static Gen<TreeOp> Op(int depth)
    {
        var plain = Gen.Frequency(
            (6, from page in Gen.Frequency((3, Gen.Choose(0, 3)), (1, Gen.Choose(0, 63)))
                from value in Gen.Choose(0, int.MaxValue)
                select (TreeOp)new Write((uint)page, (uint)value)),
            (1, Gen.Choose(0, 2).Select(n => (TreeOp)new Grow((byte)n))),
            (2, Gen.Choose(0, 24).Select(n => (TreeOp)new Emit((byte)n))),
            (1, Gen.Constant((TreeOp)new Simple('d'))),
            (1, Gen.Constant((TreeOp)new Simple('f'))),
            (1, Gen.Choose(0, 3000).Select(n => (TreeOp)new Burn((ushort)n))));
        if (depth >= MaxDepth) return plain;
        var call = from target in Gen.Choose(0, 2)
                   from gas in Gen.Frequency((4, Gen.Constant(0UL)), (1, Gen.Choose(2_000, 200_000).Select(g => (ulong)g)))
                   from script in Script(depth + 1)
                   select (TreeOp)new SubCall(target, gas, script);
        return Gen.Frequency((5, plain), (3, call));
    }

    // A frame's operations, ending in a failure now and then (more often deeper down).
    private static Gen<Script> Script(int depth) =>
        from count in Gen.Choose(0, depth == 0 ? 6 : 4)
        from ops in Gen.ListOf(Op(depth), count)
        from end in Gen.Frequency(
            (6 + 2 * (MaxDepth - depth), Gen.Constant<TreeOp?>(null)),
            (2, Gen.Constant<TreeOp?>(new Simple('p'))),
            (1, Gen.Constant<TreeOp?>(new Simple('t'))),
            (1, Gen.Constant<TreeOp?>(new Simple('s'))))
        select new Script(end is null ? [.. ops] : [.. ops, end]);

    private static Gen<TreeCall> Call() =>
        from target in Gen.Choose(0, 2)
        from gas in Gen.Frequency((5, Gen.Constant(50_000_000UL)), (1, Gen.Choose(20_000, 2_000_000).Select(g => (ulong)g)))
        from script in Script(0)
        select new TreeCall(target, gas, script);

    public static Arbitrary<TreeCall[]> Calls() => Arb.From(
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Call(), n)),
        calls => calls.Length > 1 ? Enumerable.Range(0, calls.Length).Select(i => calls.Where((_, j) => j != i).ToArray()) : []);
}
