using RocksDbSharp;
using Xunit;

namespace Piecrust.Tests.Maintenance;

/// <summary>Edits a closed store's RocksDB behind the store's back, to simulate damage.</summary>
internal static class RawStore
{
    private static readonly string[] Columns = ["pages", "nodes", "bytecode", "modules", "commits", "refs", "meta", "increments", "pins"];

    public static void Edit(string directory, Action<RocksDb, Func<string, ColumnFamilyHandle>> edit)
    {
        var families = new ColumnFamilies();
        foreach (var name in Columns) families.Add(name, new ColumnFamilyOptions());
        using var db = RocksDb.Open(new DbOptions(), directory, families);
        edit(db, db.GetColumnFamily);
    }

    public static void Flip(string directory, string column, byte[] key, int fromEnd = 1) => Edit(directory, (db, cf) =>
    {
        var value = db.Get(key, cf(column));
        Assert.NotNull(value);
        value[^fromEnd] ^= 0x01;
        db.Put(key, value, cf(column));
    });

    public static void Delete(string directory, string column, byte[] key) => Edit(directory, (db, cf) =>
    {
        Assert.NotNull(db.Get(key, cf(column)));
        db.Remove(key, cf(column));
    });

    public static void Put(string directory, string column, byte[] key, byte[] value) =>
        Edit(directory, (db, cf) => db.Put(key, value, cf(column)));

    public static List<byte[]> Keys(string directory, string column)
    {
        var keys = new List<byte[]>();
        Edit(directory, (db, cf) =>
        {
            using var iterator = db.NewIterator(cf(column));
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next()) keys.Add(iterator.Key());
        });
        return keys;
    }

    /// <summary>Every key and value of every column ("column/HEXKEY" → value), to compare the disk before and after.</summary>
    public static Dictionary<string, byte[]> Dump(string directory)
    {
        var all = new Dictionary<string, byte[]>();
        Edit(directory, (db, cf) =>
        {
            foreach (var column in Columns)
            {
                using var iterator = db.NewIterator(cf(column));
                for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                    all[column + "/" + Convert.ToHexString(iterator.Key())] = iterator.Value();
                Native.Instance.rocksdb_iter_get_error(iterator.Handle); // throws when the pass ended on an error
            }
        });
        return all;
    }

    /// <summary>Asserts two dumps hold the same keys and values.</summary>
    public static void AssertSame(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual, string what)
    {
        var changed = expected.Keys.Union(actual.Keys)
            .Where(k => !expected.TryGetValue(k, out var e) || !actual.TryGetValue(k, out var a) || !e.AsSpan().SequenceEqual(a))
            .ToList();
        Assert.True(changed.Count == 0, $"{what}: {changed.Count} keys changed, e.g. {string.Join(", ", changed.Take(3))}");
    }

    public static byte[]? Get(string directory, string column, byte[] key)
    {
        byte[]? value = null;
        Edit(directory, (db, cf) => value = db.Get(key, cf(column)));
        return value;
    }
}
