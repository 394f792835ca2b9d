using System.Buffers.Binary;

namespace Piecrust.Merkle;

/// <summary>Reads what <see cref="ProofWriter"/> wrote; every overrun is a <see cref="ProofFormatException"/>.</summary>
internal ref struct ProofReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _offset;

    public ProofReader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public readonly bool AtEnd => _offset == _bytes.Length;

    public byte Byte() => Take(1)[0];

    public Hash Hash() => Piecrust.Hash.FromBytes(Take(Piecrust.Hash.Size));

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public byte[] Bytes() => Take(UInt16()).ToArray();

    public Hash[] Siblings(int maxCount, Func<int, Hash> emptyAt)
    {
        int count = UInt16();
        if (count > maxCount) throw new ProofFormatException($"A proof path of {count} steps exceeds the maximum of {maxCount}.");
        var bitmap = Take((count + 7) / 8);
        // Unused bits must be zero, so that every bit of a valid proof matters.
        if (count % 8 != 0 && (bitmap[^1] >> (count % 8)) != 0)
            throw new ProofFormatException("The proof's sibling bitmap has bits set past its end.");
        var siblings = new Hash[count];
        for (int i = 0; i < count; i++)
            siblings[i] = (bitmap[i / 8] & (1 << (i % 8))) != 0 ? emptyAt(i) : Hash();
        return siblings;
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (_bytes.Length - _offset < length)
            throw new ProofFormatException($"The proof ends early (needed {length} bytes at offset {_offset} of {_bytes.Length}).");
        var slice = _bytes.Slice(_offset, length);
        _offset += length;
        return slice;
    }
}
