using System.Runtime.InteropServices;
using K4os.Compression.LZ4;

namespace Piecrust.Storage;

/// <summary>
/// The stored form of a page kept as its difference from another page, its base: a tag byte, the
/// base's key, then an LZ4 block of the page XOR the base. A commit changes a few bytes of a page,
/// so the XOR is almost all zeros and its LZ4 block a few dozen bytes, where a page of random bytes
/// stored whole costs 4,097. A base is always a page stored whole (<see cref="BlobCodec"/>), never a
/// difference itself, so a read costs at most two values, however long the page's history. Only the
/// stored value changes: the page's key is still BLAKE3 of its bytes, and a read verifies the
/// rebuilt bytes against it. The page holds a reference to its base, counted like a node's to its
/// children, so the base stays stored while a difference from it does.
/// </summary>
internal static class PageDelta
{
    /// <summary>First byte of a difference (<see cref="BlobCodec"/> uses 0 and 1).</summary>
    public const byte Tag = 2;

    private const int HeaderLength = 1 + Hash.Size;

    /// <summary>
    /// No difference is shorter than this (its header and the LZ4 block of an all-zero page), so a
    /// page whose own encoding is this short is not worth reading a base for.
    /// </summary>
    public const int MinLength = HeaderLength + 24;

    /// <summary>The most bytes <see cref="TryEncode"/> writes.</summary>
    public static int MaxEncodedLength => HeaderLength + LZ4Codec.MaximumOutputSize(PageStore.PageSize);

    /// <summary>True when a stored page value is a difference.</summary>
    public static bool IsDelta(ReadOnlySpan<byte> stored) => stored.Length > 0 && stored[0] == Tag;

    /// <summary>The base a stored difference names; false when the value is not a well-formed difference.</summary>
    public static bool TryGetBase(ReadOnlySpan<byte> stored, out Hash baseKey)
    {
        if (!IsDelta(stored) || stored.Length <= HeaderLength)
        {
            baseKey = default;
            return false;
        }
        baseKey = Hash.FromBytes(stored.Slice(1, Hash.Size));
        return true;
    }

    /// <summary>
    /// Encodes <paramref name="page"/> as its difference from <paramref name="basePage"/> (key
    /// <paramref name="baseKey"/>) into <paramref name="destination"/> (at least
    /// <see cref="MaxEncodedLength"/> bytes); returns its length, or -1 when it would not be shorter
    /// than <paramref name="shorterThan"/> bytes. <paramref name="scratch"/> is a page-sized work area.
    /// </summary>
    public static int TryEncode(ReadOnlySpan<byte> page, Hash baseKey, ReadOnlySpan<byte> basePage, Span<byte> scratch, Span<byte> destination, int shorterThan)
    {
        if (shorterThan <= HeaderLength) return -1;
        Xor(page, basePage, scratch);
        var body = destination[HeaderLength..Math.Min(destination.Length, shorterThan - 1)];
        // LZ4 returns a non-positive length when the block does not fit in the space given.
        int compressed = LZ4Codec.Encode(scratch[..PageStore.PageSize], body, LZ4Level.L00_FAST);
        if (compressed <= 0) return -1;
        destination[0] = Tag;
        baseKey.CopyTo(destination[1..]);
        return HeaderLength + compressed;
    }

    /// <summary>
    /// Rebuilds a page from its stored difference: <paramref name="destination"/> holds the base's
    /// bytes on entry and the page's on return. False when the difference is malformed.
    /// </summary>
    public static bool TryApply(ReadOnlySpan<byte> stored, Span<byte> destination, Span<byte> scratch)
    {
        if (!IsDelta(stored) || stored.Length <= HeaderLength || destination.Length != PageStore.PageSize) return false;
        int decoded = LZ4Codec.Decode(stored[HeaderLength..], scratch[..PageStore.PageSize]);
        if (decoded != PageStore.PageSize) return false;
        Xor(destination, scratch, destination);
        return true;
    }

    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> result)
    {
        var x = MemoryMarshal.Cast<byte, ulong>(a[..PageStore.PageSize]);
        var y = MemoryMarshal.Cast<byte, ulong>(b[..PageStore.PageSize]);
        var z = MemoryMarshal.Cast<byte, ulong>(result[..PageStore.PageSize]);
        for (int i = 0; i < z.Length; i++) z[i] = x[i] ^ y[i];
    }
}
