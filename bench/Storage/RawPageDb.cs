using K4os.Compression.LZ4;
using RocksDbSharp;

namespace Piecrust.Bench.Storage;

/// <summary>
/// The baseline of <see cref="StoreWriteBench"/>: a bare RocksDB in a temporary directory, set up
/// like the store's page column (no RocksDB compression, since values are LZ4'd already; bloom
/// filter; 64 MiB block cache), written with one <see cref="WriteBatch"/> per commit. With
/// <c>smallEntries</c>, set up like the store's columns of small entries instead (nodes, counts: an
/// 8 MiB memtable with a bloom filter over whole keys), where inserts of ~100-byte objects cost about
/// half what they cost in the default 64 MiB memtable: the baseline for a commit made mostly of nodes.
/// Single-threaded; deletes its directory on dispose.
/// </summary>
internal sealed class RawPageDb : IDisposable
{
    private readonly string _directory;
    private readonly RocksDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly byte[] _encoded = new byte[LZ4Codec.MaximumOutputSize(Piecrust.Storage.PageStore.PageSize)];

    public RawPageDb(bool durable, bool smallEntries = false)
    {
        _directory = BenchPages.TempDirectory("raw");
        Directory.CreateDirectory(_directory);
        var table = new BlockBasedTableOptions()
            .SetBlockCache(Cache.CreateLru(64UL << 20))
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetWholeKeyFiltering(true)
            .SetFormatVersion(5);
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetParanoidChecks(true)
            .SetKeepLogFileNum(2)
            .SetMaxTotalWalSize(256UL << 20)
            .SetInfoLogLevel(InfoLogLevel.Error)
            .SetCompression(Compression.No)
            .SetBlockBasedTableFactory(table);
        if (smallEntries)
        {
            options.SetWriteBufferSize(8UL << 20).SetMemtablePrefixBloomSizeRatio(0.02);
            Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
        }
        _db = RocksDb.Open(options, _directory);
        _writeOptions = new WriteOptions().SetSync(durable);
    }

    /// <summary>LZ4-compresses <paramref name="page"/> (raw when that does not shrink it) and adds it to <paramref name="batch"/> under <paramref name="key"/>.</summary>
    public void Put(WriteBatch batch, ReadOnlySpan<byte> key, ReadOnlySpan<byte> page)
    {
        int length = LZ4Codec.Encode(page, _encoded, LZ4Level.L00_FAST);
        batch.Put(key, length > 0 && length < page.Length ? _encoded.AsSpan(0, length) : page);
    }

    /// <summary>Writes the batch (fsync'd when durable).</summary>
    public void Write(WriteBatch batch) => _db.Write(batch, _writeOptions);

    public void Dispose()
    {
        _db.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }
}
