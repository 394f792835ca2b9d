using Piecrust.Merkle;
using Piecrust.Storage;
using RocksDbSharp;

namespace Piecrust.Bench.Storage;

/// <summary>
/// The two sides of the store-write comparison (see <see cref="StoreWriteBench"/> for what each
/// includes): a page store holding a committed 4 MiB memory, and a bare RocksDB, both in temporary
/// directories. Single-threaded; one per benchmark process.
/// </summary>
internal sealed class StoreWriteFixture : IDisposable
{
    /// <summary>Pages of the committed memory (indices 0 to MemoryPages − 1).</summary>
    public const int MemoryPages = 1024;

    private readonly string _storeDirectory;
    private readonly PageStore _store;
    private readonly MerkleIndex _index;
    private readonly RawPageDb _raw;
    private readonly ulong[] _indices;
    private readonly byte[][] _pages;
    private readonly PageChange[] _changes;
    private Hash _root;
    private ulong _stamp;

    public StoreWriteFixture(int dirtyPages, PageContent content, bool durable)
    {
        var random = new Random(20240601);
        _storeDirectory = BenchPages.TempDirectory("store");
        _store = MerkleIndex.OpenStore(_storeDirectory, new PageStoreOptions { Durable = durable });
        _index = new MerkleIndex(_store);
        var staged = new StagedObjects();
        var changes = new PageChange[MemoryPages];
        for (int i = 0; i < MemoryPages; i++)
            changes[i] = new PageChange((ulong)i, staged.AddPage(BenchPages.Make(content, random)));
        _root = _index.UpdatePages(PageTree.EmptyRoot(PageTree.Height32), PageTree.Height32, changes, staged);
        _store.WriteCommit(_root, ObjectRef.Node(_root), null, staged);

        _indices = BenchPages.Indices(random, dirtyPages, MemoryPages);
        _pages = _indices.Select(_ => BenchPages.Make(content, random)).ToArray();
        _changes = new PageChange[dirtyPages];
        _raw = new RawPageDb(durable);
    }

    /// <summary>What the store wrote in its last commit.</summary>
    public WriteStatistics LastWrite => _store.LastWrite;

    /// <summary>Stage the pages and their tree paths, commit on top of the previous commit.</summary>
    public Hash Store()
    {
        ulong stamp = ++_stamp;
        var staged = new StagedObjects();
        for (int i = 0; i < _pages.Length; i++)
        {
            BenchPages.Stamp(_pages[i], stamp);
            _changes[i] = new PageChange(_indices[i], staged.AddPage(_pages[i]));
        }
        var root = _index.UpdatePages(_root, PageTree.Height32, _changes, staged);
        _store.WriteCommit(root, ObjectRef.Node(root), _root, staged);
        _index.RememberCommitted(staged); // as Session.Commit does
        _root = root;
        return root;
    }

    /// <summary>
    /// The same staging as <see cref="Store"/> (page hashes, path nodes), then every staged page and
    /// node — the very objects a commit writes — put into the raw database in one batch: no
    /// reference counts, no existence checks, no commit record.
    /// </summary>
    public void RawBatchSameObjects()
    {
        ulong stamp = ++_stamp;
        var staged = new StagedObjects();
        for (int i = 0; i < _pages.Length; i++)
        {
            BenchPages.Stamp(_pages[i], stamp);
            _changes[i] = new PageChange(_indices[i], staged.AddPage(_pages[i]));
        }
        _index.UpdatePages(_root, PageTree.Height32, _changes, staged);
        Span<byte> key = stackalloc byte[Hash.Size];
        using var batch = new WriteBatch();
        for (int i = 0; i < _pages.Length; i++)
        {
            _changes[i].Key.CopyTo(key);
            _raw.Put(batch, key, _pages[i]);
        }
        foreach (var (nodeKey, bytes) in staged.Nodes)
        {
            nodeKey.CopyTo(key);
            batch.Put(key, bytes.Span);
        }
        _raw.Write(batch);
    }

    /// <summary>LZ4 and put each page under a stand-in key, one batch.</summary>
    public void RawBatch()
    {
        ulong stamp = ++_stamp;
        Span<byte> key = stackalloc byte[Hash.Size];
        using var batch = new WriteBatch();
        for (int i = 0; i < _pages.Length; i++)
        {
            BenchPages.Stamp(_pages[i], stamp);
            BenchPages.StandInKey(stamp * (ulong)_pages.Length + (ulong)i, key);
            _raw.Put(batch, key, _pages[i]);
        }
        _raw.Write(batch);
    }

    /// <summary>BLAKE3, LZ4 and put each page under its hash, one batch.</summary>
    public void RawBatchHashed()
    {
        ulong stamp = ++_stamp;
        Span<byte> key = stackalloc byte[Hash.Size];
        using var batch = new WriteBatch();
        for (int i = 0; i < _pages.Length; i++)
        {
            BenchPages.Stamp(_pages[i], stamp);
            Blake3.Hasher.Hash(_pages[i], key);
            _raw.Put(batch, key, _pages[i]);
        }
        _raw.Write(batch);
    }

    public void Dispose()
    {
        _store.Dispose();
        _raw.Dispose();
        try { Directory.Delete(_storeDirectory, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }
}
