using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Piecrust;

/// <summary>
/// A 32-byte BLAKE3 digest: the key of every content-addressed object and every Merkle root.
/// Immutable value type with byte-wise equality and ordering; formats as 64 lowercase hex digits.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash : IEquatable<Hash>, IComparable<Hash>
{
    /// <summary>Length of a hash in bytes.</summary>
    public const int Size = 32;

    // Stored big-endian per word so that comparing words compares bytes in order.
    private readonly ulong _w0, _w1, _w2, _w3;

    private Hash(ulong w0, ulong w1, ulong w2, ulong w3) => (_w0, _w1, _w2, _w3) = (w0, w1, w2, w3);

    /// <summary>The first 8 bytes, big-endian: hashes whose prefixes differ compare as their prefixes do.</summary>
    internal ulong Prefix => _w0;

    /// <summary>The all-zero hash (not the hash of anything in particular).</summary>
    public static Hash Zero => default;

    /// <summary>Reads a hash from exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public static Hash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"A hash is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        return new Hash(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    /// <summary>BLAKE3-256 of <paramref name="data"/>.</summary>
    public static Hash Of(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        Blake3.Hasher.Hash(data, digest);
        return FromBytes(digest);
    }

    /// <summary>Writes the 32 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Bit <paramref name="index"/> (0 = most significant bit of byte 0).</summary>
    public bool Bit(int index)
    {
        ulong word = (index >> 6) switch { 0 => _w0, 1 => _w1, 2 => _w2, 3 => _w3, _ => throw new ArgumentOutOfRangeException(nameof(index)) };
        return ((word >> (63 - (index & 63))) & 1) != 0;
    }

    /// <summary>Parses 64 hex digits (an optional 0x prefix is accepted).</summary>
    /// <exception cref="FormatException">The text is not 64 hex digits.</exception>
    public static Hash Parse(string text) =>
        TryParse(text, out var hash) ? hash : throw new FormatException($"'{text}' is not a 32-byte hex hash (64 hex digits).");

    /// <summary>Parses 64 hex digits (an optional 0x prefix is accepted).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Hash hash)
    {
        hash = default;
        if (text is null) return false;
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) span = span[2..];
        if (span.Length != Size * 2) return false;
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(span, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
            return false;
        hash = FromBytes(bytes);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(Hash other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)_w0 ^ (int)(_w0 >> 32);

    /// <inheritdoc/>
    public int CompareTo(Hash other)
    {
        int c = _w0.CompareTo(other._w0);
        if (c != 0) return c;
        c = _w1.CompareTo(other._w1);
        if (c != 0) return c;
        c = _w2.CompareTo(other._w2);
        return c != 0 ? c : _w3.CompareTo(other._w3);
    }

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(Hash left, Hash right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);
}
