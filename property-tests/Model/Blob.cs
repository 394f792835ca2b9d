namespace Piecrust.PropertyTests.Model;

/// <summary>
/// Immutable bytes of a memory region whose unwritten remainder is zero, kept without trailing
/// zeros so that two blobs are equal exactly when the regions they describe hold the same bytes.
/// </summary>
internal sealed class Blob : IEquatable<Blob>
{
    private readonly byte[] _bytes;

    private Blob(byte[] bytes) => _bytes = bytes;

    public static readonly Blob Empty = new([]);

    public static Blob Of(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.LastIndexOfAnyExcept((byte)0) + 1;
        return length == 0 ? Empty : new Blob(bytes[..length].ToArray());
    }

    /// <summary>Length up to and including the last non-zero byte.</summary>
    public int Length => _bytes.Length;

    /// <summary>The region with <paramref name="data"/> written at <paramref name="offset"/>.</summary>
    public Blob WriteAt(int offset, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[Math.Max(_bytes.Length, offset + data.Length)];
        _bytes.CopyTo(bytes, 0);
        data.CopyTo(bytes.AsSpan(offset));
        return Of(bytes);
    }

    /// <summary>The region with <paramref name="data"/> written at its start (what an argument or result does to A).</summary>
    public Blob Overlay(ReadOnlySpan<byte> data) => WriteAt(0, data);

    /// <summary><paramref name="count"/> bytes from <paramref name="offset"/> (zeros past the written part).</summary>
    public byte[] Read(int offset, int count)
    {
        var result = new byte[count];
        if (offset < _bytes.Length) _bytes.AsSpan(offset, Math.Min(count, _bytes.Length - offset)).CopyTo(result);
        return result;
    }

    public bool Equals(Blob? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is Blob other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => _bytes.Length == 0 ? "0" : Convert.ToHexStringLower(_bytes);
}
