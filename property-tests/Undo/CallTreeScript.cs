using System.Buffers.Binary;

namespace Piecrust.PropertyTests.Undo;

/// <summary>One operation of a calltree script (see tests/contracts/calltree.c); ToString is what a shrunk counterexample shows.</summary>
public abstract record TreeOp
{
    public abstract void Encode(List<byte> bytes);
}

public sealed record Write(uint Page, uint Value) : TreeOp
{
    public override void Encode(List<byte> bytes) => bytes.AddRange([(byte)'w', .. U32(Page), .. U32(Value)]);
    public override string ToString() => $"w{Page}={Value}";
    internal static byte[] U32(uint v) => BitConverter.GetBytes(v);
}

public sealed record Grow(byte Pages) : TreeOp
{
    public override void Encode(List<byte> bytes) => bytes.AddRange([(byte)'g', Pages]);
    public override string ToString() => $"g{Pages}";
}

public sealed record Emit(byte Length) : TreeOp
{
    public override void Encode(List<byte> bytes) => bytes.AddRange([(byte)'e', Length]);
    public override string ToString() => $"e{Length}";
}

public sealed record Burn(ushort Loops) : TreeOp
{
    public override void Encode(List<byte> bytes) => bytes.AddRange([(byte)'b', .. BitConverter.GetBytes(Loops)]);
    public override string ToString() => $"b{Loops}";
}

/// <summary>A one-byte operation: d (debug), f (feed), p (panic), t (trap), s (spin until out of gas).</summary>
public sealed record Simple(char Op) : TreeOp
{
    public override void Encode(List<byte> bytes) => bytes.Add((byte)Op);
    public override string ToString() => Op.ToString();
}

/// <summary>A sub-call of run on tree contract <see cref="Target"/> (an index into the world's trees).</summary>
public sealed record SubCall(int Target, ulong Gas, Script Script) : TreeOp
{
    public override void Encode(List<byte> bytes)
    {
        var script = Script.Encode();
        bytes.Add((byte)'c');
        bytes.AddRange(SubCallWorld.Instance.Value.Trees[Target].ToArray());
        bytes.AddRange(BitConverter.GetBytes(Gas));
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)script.Length));
        bytes.AddRange(length);
        bytes.AddRange(script);
    }

    public override string ToString() => $"c{Target}/{Gas}[{Script}]";
}

/// <summary>A calltree script: the operations of one frame.</summary>
public sealed record Script(IReadOnlyList<TreeOp> Ops)
{
    public byte[] Encode()
    {
        var bytes = new List<byte>();
        foreach (var op in Ops) op.Encode(bytes);
        return [.. bytes];
    }

    public override string ToString() => string.Join(" ", Ops);
}

/// <summary>A top-level call of run on a tree contract.</summary>
public sealed record TreeCall(int Target, ulong Gas, Script Script)
{
    public override string ToString() => $"run on tree {Target} gas {Gas}: {Script}";
}
