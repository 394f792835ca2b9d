using System.Buffers;

namespace Piecrust.Wasm;

/// <summary>Appends module bytes: raw bytes and unsigned LEB128 integers, into a growing buffer.</summary>
internal sealed class WasmWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public WasmWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(initialCapacity, 16));

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void U32(uint value) => U64(value);

    public void U64(ulong value)
    {
        var span = _buffer.GetSpan(10);
        int n = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            span[n++] = value != 0 ? (byte)(b | 0x80) : b;
        }
        while (value != 0);
        _buffer.Advance(n);
    }

    /// <summary>A length-prefixed block: its size as u32 LEB128, then its bytes.</summary>
    public void Sized(ReadOnlySpan<byte> content)
    {
        U32(checked((uint)content.Length));
        Bytes(content);
    }

    /// <summary>A section: id, payload size, payload.</summary>
    public void Section(WasmSectionId id, ReadOnlySpan<byte> payload)
    {
        Byte((byte)id);
        Sized(payload);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
