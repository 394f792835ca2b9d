using RocksDbSharp;
using Xunit;

namespace Piecrust.Tests.Maintenance;

/// <summary>
/// Bit rot in a closed store's RocksDB table files: the store's data compacted into one table file
/// per column family, then one byte of one file flipped on disk, where RocksDB's block checksum is
/// the only thing that can notice it.
/// </summary>
internal static class TableDamage
{
    public static readonly string[] Columns = ["pages", "nodes", "bytecode", "modules", "commits", "refs", "meta", "increments"];

    /// <summary>Every column family a store has (RocksDB opens a database only with all of them); pins are empty outside a sync.</summary>
    public static readonly string[] AllColumns = [.. Columns, "pins"];

    /// <summary>
    /// Moves everything the closed store at <paramref name="directory"/> holds into table files,
    /// one per column family with data (a full compaction of each), and returns each column's file name.
    /// </summary>
    public static Dictionary<string, string> CompactToTables(string directory)
    {
        var families = new ColumnFamilies();
        foreach (var name in AllColumns) families.Add(name, new ColumnFamilyOptions());
        using var db = RocksDb.Open(new DbOptions(), directory, families);
        var tables = new Dictionary<string, string>();
        // Forced: a plain compaction may leave a file that overlaps nothing where it is.
        const byte ForceBottommost = 2;
        var options = Native.Instance.rocksdb_compactoptions_create();
        Native.Instance.rocksdb_compactoptions_set_bottommost_level_compaction(options, ForceBottommost);
        foreach (var name in Columns)
        {
            var column = db.GetColumnFamily(name);
            Native.Instance.rocksdb_compact_range_cf_opt(db.Handle, column.Handle, options, (byte[]?)null, UIntPtr.Zero, null, UIntPtr.Zero);
            var files = TableNumbers(db.GetProperty("rocksdb.sstables", column));
            Assert.True(files.Count <= 1, $"{name}: {files.Count} table files after a full compaction");
            if (files.Count == 1) tables[name] = $"{files[0]:D6}.sst";
        }
        Native.Instance.rocksdb_compactoptions_destroy(options);
        return tables;
    }

    /// <summary>Flips one bit of the byte at <paramref name="offset"/> of <paramref name="file"/> (flipping it again restores it).</summary>
    public static void Flip(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        Assert.True(offset < stream.Length, $"{file} has {stream.Length} bytes, not {offset + 1}");
        stream.Position = offset;
        int value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0x10));
    }

    /// <summary>A copy of a closed store directory (and everything under it).</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    // " 12:4096[1 .. 5]['key' seq:1, type:1 .. …]" per file, under "--- level N ---" headers.
    private static List<ulong> TableNumbers(string? property)
    {
        var numbers = new List<ulong>();
        foreach (var line in (property ?? "").Split('\n'))
        {
            var text = line.TrimStart();
            int colon = text.IndexOf(':');
            if (!line.StartsWith(' ') || colon <= 0) continue;
            if (ulong.TryParse(text.AsSpan(0, colon), out ulong number)) numbers.Add(number);
        }
        return numbers;
    }
}
