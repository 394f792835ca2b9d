using System.Buffers.Binary;

namespace Piecrust.Merkle;

/// <summary>Appends proof fields to a growing buffer (docs/PROOFS.md, "Common encoding").</summary>
internal sealed class ProofWriter
{
    private readonly MemoryStream _stream = new();

    public void Byte(byte value) => _stream.WriteByte(value);

    public void Flag(bool value) => _stream.WriteByte(value ? (byte)1 : (byte)0);

    public void Hash(Hash value)
    {
        Span<byte> bytes = stackalloc byte[Piecrust.Hash.Size];
        value.CopyTo(bytes);
        _stream.Write(bytes);
    }

    public void UInt16(int value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, checked((ushort)value));
        _stream.Write(bytes);
    }

    public void UInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    /// <summary>A u16 length, then the bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        UInt16(value.Length);
        _stream.Write(value);
    }

    public void Raw(ReadOnlySpan<byte> value) => _stream.Write(value);

    /// <summary>A bitmap marking siblings equal to <paramref name="emptyAt"/>(i), then the others (no count: the reader knows it).</summary>
    public void Siblings(IReadOnlyList<Hash> siblings, Func<int, Hash> emptyAt)
    {
        var bitmap = new byte[(siblings.Count + 7) / 8];
        for (int i = 0; i < siblings.Count; i++)
            if (siblings[i] == emptyAt(i)) bitmap[i / 8] |= (byte)(1 << (i % 8));
        _stream.Write(bitmap);
        for (int i = 0; i < siblings.Count; i++)
            if (siblings[i] != emptyAt(i)) Hash(siblings[i]);
    }

    public byte[] ToArray() => _stream.ToArray();
}
