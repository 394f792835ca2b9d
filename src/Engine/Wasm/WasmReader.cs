using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Piecrust.Wasm;

/// <summary>
/// Bounds-checked cursor over module bytes. Positions are absolute offsets into the whole module,
/// so errors from nested readers (a section, a function body) still name the real byte offset.
/// Every read checks against <see cref="End"/>; nothing is ever allocated from an unchecked length.
/// </summary>
internal ref struct WasmReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly int _end;
    private int _pos;

    public WasmReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        _pos = 0;
        _end = bytes.Length;
    }

    private WasmReader(ReadOnlySpan<byte> bytes, int pos, int end)
    {
        _bytes = bytes;
        _pos = pos;
        _end = end;
    }

    public readonly int Position => _pos;

    public readonly int End => _end;

    public readonly int Remaining => _end - _pos;

    public readonly bool AtEnd => _pos >= _end;

    public readonly WasmFormatException Error(string reason) => new(reason, _pos);

    /// <summary>Splits off the next <paramref name="length"/> bytes as a reader of their own and skips them here.</summary>
    public WasmReader Slice(uint length, string what)
    {
        if (length > (uint)Remaining)
        {
            throw Error($"{what} of {length} bytes runs past the end of its container ({Remaining} bytes left)");
        }

        var sub = new WasmReader(_bytes, _pos, _pos + (int)length);
        _pos += (int)length;
        return sub;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte(string what)
    {
        if (_pos >= _end)
        {
            throw UnexpectedEnd(what);
        }

        return _bytes[_pos++];
    }

    public readonly byte PeekByte(string what)
    {
        if (_pos >= _end)
        {
            throw UnexpectedEnd(what);
        }

        return _bytes[_pos];
    }

    public ReadOnlySpan<byte> ReadBytes(uint length, string what)
    {
        if (length > (uint)Remaining)
        {
            throw Error($"{what} of {length} bytes runs past the end ({Remaining} bytes left)");
        }

        var span = _bytes.Slice(_pos, (int)length);
        _pos += (int)length;
        return span;
    }

    public void Skip(uint length, string what)
    {
        if (length > (uint)Remaining)
        {
            throw Error($"{what} of {length} bytes runs past the end ({Remaining} bytes left)");
        }

        _pos += (int)length;
    }

    /// <summary>Unsigned LEB128, at most 5 bytes; the unused high bits of the last byte must be zero.</summary>
    public uint ReadU32(string what)
    {
        int start = _pos;
        uint result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_pos >= _end)
            {
                throw new WasmFormatException($"unexpected end of data in {what} (truncated LEB128)", start);
            }

            byte b = _bytes[_pos++];
            if (shift == 28)
            {
                if ((b & 0x80) != 0)
                {
                    throw new WasmFormatException($"LEB128 for {what} is longer than 5 bytes", start);
                }

                if ((b & 0x70) != 0)
                {
                    throw new WasmFormatException($"{what} does not fit in 32 bits (LEB128 overflow)", start);
                }
            }

            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    /// <summary>Unsigned LEB128, at most 10 bytes.</summary>
    public ulong ReadU64(string what)
    {
        int start = _pos;
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_pos >= _end)
            {
                throw new WasmFormatException($"unexpected end of data in {what} (truncated LEB128)", start);
            }

            byte b = _bytes[_pos++];
            if (shift == 63)
            {
                if ((b & 0x80) != 0)
                {
                    throw new WasmFormatException($"LEB128 for {what} is longer than 10 bytes", start);
                }

                if ((b & 0x7E) != 0)
                {
                    throw new WasmFormatException($"{what} does not fit in 64 bits (LEB128 overflow)", start);
                }
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    public int ReadS32(string what) => (int)ReadSigned(32, what);

    public long ReadS33(string what) => ReadSigned(33, what);

    public long ReadS64(string what) => ReadSigned(64, what);

    /// <summary>
    /// Signed LEB128 of <paramref name="bits"/> bits: at most ceil(bits/7) bytes, and the unused bits of
    /// the last byte must repeat the sign bit (anything else is an overflow).
    /// </summary>
    private long ReadSigned(int bits, string what)
    {
        int start = _pos;
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_pos >= _end)
            {
                throw new WasmFormatException($"unexpected end of data in {what} (truncated LEB128)", start);
            }

            byte b = _bytes[_pos++];
            if (shift + 7 >= bits)
            {
                // Last byte this width allows.
                if ((b & 0x80) != 0)
                {
                    throw new WasmFormatException($"LEB128 for {what} is too long for a {bits}-bit integer", start);
                }

                int used = bits - shift;
                int upperMask = 0x7F & ~((1 << used) - 1);
                int expected = ((b >> (used - 1)) & 1) != 0 ? upperMask : 0;
                if ((b & upperMask) != expected)
                {
                    throw new WasmFormatException($"{what} does not fit in a signed {bits}-bit integer (LEB128 overflow)", start);
                }

                result |= (long)(b & 0x7F) << shift;
                if (bits < 64)
                {
                    result = (result << (64 - bits)) >> (64 - bits);
                }

                return result;
            }

            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                int next = shift + 7;
                if ((b & 0x40) != 0)
                {
                    result |= -1L << next;
                }

                return result;
            }
        }
    }

    /// <summary>
    /// A vector length. Each element takes at least <paramref name="minBytesPerItem"/> bytes, so a count
    /// the remaining bytes cannot hold is rejected before anyone loops or allocates by it.
    /// </summary>
    public uint ReadCount(string what, int minBytesPerItem = 1)
    {
        int start = _pos;
        uint count = ReadU32(what);
        if ((ulong)count * (ulong)minBytesPerItem > (ulong)Remaining)
        {
            throw new WasmFormatException($"{what} count {count} is larger than the {Remaining} bytes left could hold", start);
        }

        return count;
    }

    /// <summary>A length-prefixed UTF-8 name.</summary>
    public string ReadName(string what)
    {
        int start = _pos;
        uint length = ReadU32(what);
        var bytes = ReadBytes(length, what);
        if (!Utf8.IsValid(bytes))
        {
            throw new WasmFormatException($"{what} is not valid UTF-8", start);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private readonly WasmFormatException UnexpectedEnd(string what)
        => new($"unexpected end of data while reading {what}", _pos);
}
