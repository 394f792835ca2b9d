using System.Buffers.Binary;

namespace Piecrust.Merkle;

/// <summary>Appends proof fields to a growing buffer; sibling lists are a bitmap of empty siblings followed by the others.</summary>
internal sealed class ProofWriter
{
    private readonly MemoryStream _stream = new();

    public void Byte(byte value) => _stream.WriteByte(value);

    public void Hash(Hash value)
    {
        Span<byte> bytes = stackalloc byte[Piecrust.Hash.Size];
        value.CopyTo(bytes);
        _stream.Write(bytes);
    }

    public void UInt16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void UInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        UInt16(checked((ushort)value.Length));
        _stream.Write(value);
    }

    /// <summary>Writes the count, then a bitmap marking siblings equal to <paramref name="emptyAt"/>(i), then the others.</summary>
    public void Siblings(IReadOnlyList<Hash> siblings, Func<int, Hash> emptyAt)
    {
        UInt16(checked((ushort)siblings.Count));
        var bitmap = new byte[(siblings.Count + 7) / 8];
        for (int i = 0; i < siblings.Count; i++)
            if (siblings[i] == emptyAt(i)) bitmap[i / 8] |= (byte)(1 << (i % 8));
        _stream.Write(bitmap);
        for (int i = 0; i < siblings.Count; i++)
            if (siblings[i] != emptyAt(i)) Hash(siblings[i]);
    }

    public byte[] ToArray() => _stream.ToArray();
}
