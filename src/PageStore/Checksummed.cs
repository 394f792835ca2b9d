namespace Piecrust.Storage;

/// <summary>
/// The form of stored values that carry their own checksum (compiled modules, hints): BLAKE3 of the
/// content, then the content. RocksDB's block checksums do not cover a value written whole but wrong.
/// </summary>
internal static class Checksummed
{
    /// <summary>The stored form of <paramref name="content"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> content)
    {
        var stored = new byte[Hash.Size + content.Length];
        Hash.Of(content).CopyTo(stored);
        content.CopyTo(stored.AsSpan(Hash.Size));
        return stored;
    }

    /// <summary>True when <paramref name="stored"/> is a checksum followed by content it matches.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> stored) =>
        stored.Length >= Hash.Size && Hash.Of(stored[Hash.Size..]) == Hash.FromBytes(stored[..Hash.Size]);

    /// <summary>The content of an intact stored value (see <see cref="IsIntact"/>).</summary>
    public static byte[] Content(ReadOnlySpan<byte> stored) => stored[Hash.Size..].ToArray();
}
