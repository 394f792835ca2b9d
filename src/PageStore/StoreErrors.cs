using System.Text;
using RocksDbSharp;

namespace Piecrust.Storage;

/// <summary>
/// Turns RocksDB's failures into the store's typed errors, naming the column and key. RocksDB
/// reports damaged data (a block failing its checksum, a truncated table) with a status that
/// begins "Corruption"; any other status (an I/O error, a full disk, writes stopped after an
/// earlier error) says nothing about the data, so it is a <see cref="StoreIOException"/>.
/// </summary>
internal static class StoreErrors
{
    /// <summary>What a user should do about damage: see all of it before deciding.</summary>
    public const string FsckHint = "run 'piecrust fsck' to list the damage";

    public static bool IsCorruption(string status) => status.StartsWith("Corruption", StringComparison.Ordinal);

    /// <summary>A failed point read of <paramref name="key"/> in <paramref name="column"/>.</summary>
    public static PiecrustException Read(StoreColumn column, ReadOnlySpan<byte> key, RocksDbException e) =>
        Read(column, KeyText(column, key), e.Message, e);

    /// <summary>A failed point read of the key shown as <paramref name="key"/>, RocksDB having said <paramref name="status"/>.</summary>
    public static PiecrustException Read(StoreColumn column, string key, string status, Exception? inner)
    {
        string name = StoreColumns.Name(column);
        return IsCorruption(status)
            ? Corrupt($"The store's {name} column is damaged: reading key {key} failed ({status}); {FsckHint}.", inner)
            : IO($"Reading key {key} of the store's {name} column failed: {status}", inner);
    }

    /// <summary>An iteration over <paramref name="column"/> that stopped on an error after <paramref name="lastKey"/> (null: before the first key).</summary>
    public static PiecrustException Scan(StoreColumn column, string? lastKey, RocksDbException e) => Scan(column, lastKey, e.Message, e);

    /// <summary>An iteration that stopped after <paramref name="lastKey"/>, RocksDB having said <paramref name="status"/>.</summary>
    public static PiecrustException Scan(StoreColumn column, string? lastKey, string status, Exception? inner)
    {
        string name = StoreColumns.Name(column);
        string where = lastKey is null ? "from its first key" : $"past key {lastKey}";
        return IsCorruption(status)
            ? Corrupt($"The store's {name} column is damaged: reading it {where} failed ({status}); {FsckHint}.", inner)
            : IO($"Reading the store's {name} column {where} failed: {status}", inner);
    }

    /// <summary>A failed write (<paramref name="what"/>: a batch, a compaction); nothing of it was applied.</summary>
    public static PiecrustException Write(string directory, string what, string status, Exception? inner) =>
        IsCorruption(status)
            ? Corrupt($"Writing to the store at '{directory}' failed ({what}): RocksDB found damaged data ({status}); nothing was written; {FsckHint}.", inner)
            : IO($"Writing to the store at '{directory}' failed ({what}): {status}. Nothing was written.", inner);

    private static CorruptStoreException Corrupt(string message, Exception? inner) =>
        inner is null ? new CorruptStoreException(message) : new CorruptStoreException(message, inner);

    private static StoreIOException IO(string message, Exception? inner) =>
        inner is null ? new StoreIOException(message) : new StoreIOException(message, inner);

    /// <summary>A key as messages show it: store-wide values by name, everything else in lowercase hex.</summary>
    public static string KeyText(StoreColumn column, ReadOnlySpan<byte> key)
    {
        if (column == StoreColumn.Meta && key.Length > 0 && key.IndexOfAnyExceptInRange((byte)'a', (byte)'z') < 0)
            return Encoding.ASCII.GetString(key);
        return key.Length == 0 ? "(empty)" : Convert.ToHexStringLower(key);
    }
}
