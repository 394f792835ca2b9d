using System.Buffers.Binary;

namespace Piecrust.Merkle;

/// <summary>Reads what <see cref="ProofWriter"/> wrote; every overrun or non-canonical field is a <see cref="ProofFormatException"/>.</summary>
internal ref struct ProofReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _offset;

    public ProofReader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public byte Byte() => Take(1)[0];

    public bool Flag(string what)
    {
        byte value = Byte();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw new ProofFormatException($"The proof's {what} byte is {value}, not 0 or 1."),
        };
    }

    public Hash Hash() => Piecrust.Hash.FromBytes(Take(Piecrust.Hash.Size));

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>A u16 length, then that many bytes.</summary>
    public byte[] Bytes() => Take(UInt16()).ToArray();

    /// <summary>Exactly <paramref name="length"/> bytes.</summary>
    public byte[] Raw(int length) => Take(length).ToArray();

    /// <summary>
    /// <paramref name="count"/> siblings: a bitmap (bit i set: sibling i is <paramref name="emptyAt"/>(i)), then
    /// the others. Unused bitmap bits must be zero and no written sibling may equal its empty value,
    /// so that each list has one encoding.
    /// </summary>
    public Hash[] Siblings(int count, Func<int, Hash> emptyAt)
    {
        var bitmap = Take((count + 7) / 8);
        if (count % 8 != 0 && (bitmap[^1] >> (count % 8)) != 0)
            throw new ProofFormatException("The proof's sibling bitmap has bits set past its end.");
        var siblings = new Hash[count];
        for (int i = 0; i < count; i++)
        {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0)
            {
                siblings[i] = emptyAt(i);
                continue;
            }
            siblings[i] = Hash();
            if (siblings[i] == emptyAt(i))
                throw new ProofFormatException($"Sibling {i} is written out but is the empty subtree: empty siblings are marked in the bitmap only.");
        }
        return siblings;
    }

    public readonly void End()
    {
        if (_offset != _bytes.Length)
            throw new ProofFormatException($"The proof has {_bytes.Length - _offset} trailing bytes.");
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
