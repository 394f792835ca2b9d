using K4os.Compression.LZ4;

namespace Piecrust.Storage;

/// <summary>
/// Encoding of page and bytecode values: one tag byte, then either the raw bytes or an LZ4 block
/// preceded by the decoded length. LZ4 is used only when it saves space, so random pages cost
/// one byte over their size and sparse pages a few dozen bytes.
/// </summary>
internal static class BlobCodec
{
    private const byte Raw = 0;
    private const byte Lz4 = 1;

    /// <summary>The most bytes <see cref="Encode"/> writes for <paramref name="length"/> bytes of data.</summary>
    public static int MaxEncodedLength(int length) => 5 + LZ4Codec.MaximumOutputSize(length);

    /// <summary>
    /// Encodes <paramref name="data"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxEncodedLength"/> bytes) and returns the encoded length. Allocates nothing, so a
    /// commit can encode every page into one scratch buffer.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < MaxEncodedLength(data.Length))
            throw new ArgumentException("The destination is shorter than MaxEncodedLength.", nameof(destination));
        int compressed = LZ4Codec.Encode(data, destination[5..], LZ4Level.L00_FAST);
        if (compressed > 0 && compressed + 5 < data.Length + 1)
        {
            destination[0] = Lz4;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination[1..], data.Length);
            return 5 + compressed;
        }
        destination[0] = Raw;
        data.CopyTo(destination[1..]);
        return 1 + data.Length;
    }

    /// <summary>Decoded length, or -1 when the value is malformed.</summary>
    public static int DecodedLength(ReadOnlySpan<byte> stored)
    {
        if (stored.Length < 1) return -1;
        return stored[0] switch
        {
            Raw => stored.Length - 1,
            Lz4 when stored.Length >= 5 => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(stored[1..]),
            _ => -1,
        };
    }

    /// <summary>Decodes into <paramref name="destination"/> (exactly <see cref="DecodedLength"/> bytes); false when malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        int length = DecodedLength(stored);
        if (length < 0 || length != destination.Length) return false;
        if (stored[0] == Raw)
        {
            stored[1..].CopyTo(destination);
            return true;
        }
        return LZ4Codec.Decode(stored[5..], destination) == length;
    }
}
