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

    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[1 + 4 + LZ4Codec.MaximumOutputSize(data.Length)];
        int compressed = LZ4Codec.Encode(data, buffer.AsSpan(5), LZ4Level.L00_FAST);
        if (compressed > 0 && compressed + 5 < data.Length + 1)
        {
            buffer[0] = Lz4;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(1), data.Length);
            return buffer.AsSpan(0, 5 + compressed).ToArray();
        }
        var raw = new byte[data.Length + 1];
        raw[0] = Raw;
        data.CopyTo(raw.AsSpan(1));
        return raw;
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
