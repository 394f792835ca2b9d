namespace Piecrust.Tests.Maintenance;

/// <summary>
/// A read-only, unseekable stream of <paramref name="prefix"/> followed by pseudo-random bytes up to
/// <paramref name="length"/> bytes in all, generated as they are read: a gigabyte of garbage costs no memory.
/// </summary>
internal sealed class GarbageStream(byte[] prefix, long length, ulong seed = 0x9E3779B97F4A7C15) : Stream
{
    private ulong _state = seed | 1;

    /// <summary>Bytes handed out so far.</summary>
    public long Consumed { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int count = (int)Math.Min(buffer.Length, length - Consumed);
        for (int i = 0; i < count; i++)
        {
            long at = Consumed + i;
            buffer[i] = at < prefix.Length ? prefix[at] : Next();
        }
        Consumed += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private byte Next()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        return (byte)_state;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Consumed; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
