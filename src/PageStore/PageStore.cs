using System.Buffers.Binary;
using System.Diagnostics;
using RocksDbSharp;

namespace Piecrust.Storage;

/// <summary>
/// Content-addressed storage of memory pages, tree nodes, bytecode, compiled modules and commits
/// on RocksDB. Pages are 4 KiB, keyed by BLAKE3 of their bytes, LZ4-compressed when that pays, or
/// stored as their difference from the page they replace when that is smaller (<see cref="PageDelta"/>);
/// the all-zero page is never stored and reads back as zeros. Every read is verified against its
/// key: a mismatch raises <see cref="CorruptStoreException"/>, never wrong bytes.
/// A commit (its new objects, reference counts and record) is one atomic RocksDB write batch,
/// fsync'd when the store is durable; deleting a commit reclaims exactly the objects no other
/// live commit reaches.
/// </summary>
/// <remarks>
/// Thread-safety: reads may run on any number of threads at once. Writes (commit, delete,
/// finalize, lease release) are serialised by an internal lock that is never held while
/// contract code runs. Objects reachable from a commit may be read safely only while the commit is
/// live or leased (<see cref="Lease"/>).
/// </remarks>
public sealed partial class PageStore : IDisposable
{
    /// <summary>Size of a storage page in bytes (the unit of hashing, dedup and dirty tracking).</summary>
    public const int PageSize = 4096;

    private const string FormatKey = "format";
    private const string FormatValue = "piecrust-store/4";
    // Earlier formats this one reads as they are: /3 had no pages stored as differences (PageDelta),
    // /2 neither and no count journal (an empty journal). Opening one rewrites its marker, so an
    // older version refuses the store once it may hold differences, instead of misreading them.
    private static readonly string[] PreviousFormatValues = ["piecrust-store/3", "piecrust-store/2"];
    private const string SequenceKey = "sequence";
    private const string FinalizedKey = "finalized";

    /// <summary>Key of the all-zero page: BLAKE3 of 4096 zero bytes. Never stored.</summary>
    public static readonly Hash ZeroPageKey = Hash.Of(new byte[PageSize]);

    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle[] _columns;
    private readonly WriteOptions _writeOptions;
    private readonly bool _ephemeral;
    private readonly object _writeLock = new();
    private readonly Dictionary<Hash, CommitRecord> _commits = new();
    private readonly Dictionary<Hash, int> _leases = new();
    private readonly RefCountCache _refCounts = new();
    private readonly RefScratch _scratch = new();
    private readonly int _pendingCountLimit;
    private readonly int _pageDeltaLimit;
    private long _pendingIncrements = -1; // journaled count increments not yet applied (CountJournal); -1 until read
    private ulong _nextSequence;
    private Hash? _finalized;
    private bool _disposed;

    private PageStore(RocksDb db, string directory, INodeLayout layout, PageStoreOptions options, bool ephemeral)
    {
        _db = db;
        _pendingCountLimit = options.PendingCountLimit;
        _pageDeltaLimit = options.PageDeltaLimit;
        bool durable = options.Durable;
        Directory = directory;
        Layout = layout;
        _ephemeral = ephemeral;
        IsDurable = durable;
        _writeOptions = new WriteOptions().SetSync(durable);
        _columns = StoreColumns.All.Select(c => db.GetColumnFamily(StoreColumns.Name(c))).ToArray();
        LoadMeta();
        LoadCommits();
        CheckSequence();
        ReclaimPendingDeletes();
    }

    /// <summary>The directory holding the store's files.</summary>
    public string Directory { get; }

    /// <summary>True when commits are fsync'd before they return.</summary>
    public bool IsDurable { get; }

    /// <summary>The node layout used to verify nodes and follow their references.</summary>
    public INodeLayout Layout { get; }

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    /// <exception cref="StoreNotFoundException">The directory is missing and <see cref="PageStoreOptions.CreateIfMissing"/> is false.</exception>
    /// <exception cref="StoreLockedException">Another open store holds the directory.</exception>
    /// <exception cref="CorruptStoreException">The directory holds something that is not a readable store, or its commit records or store-wide values are damaged.</exception>
    /// <exception cref="StoreIOException">Reading or writing the store's files failed (an I/O error, a full disk).</exception>
    public static PageStore Open(string directory, INodeLayout layout, PageStoreOptions? options = null)
    {
        options ??= new PageStoreOptions();
        Validate(options);
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            if (!options.CreateIfMissing)
                throw new StoreNotFoundException($"No store at '{directory}': the directory does not exist.");
            System.IO.Directory.CreateDirectory(directory);
        }
        var db = OpenDb(directory, options);
        try
        {
            return new PageStore(db, directory, layout, options, ephemeral: false);
        }
        catch
        {
            db.Dispose(); // a store that fails to load must not keep the directory locked
            throw;
        }
    }

    /// <summary>A real store in a fresh temporary directory that is deleted on <see cref="Dispose"/>. Not durable.</summary>
    public static PageStore Ephemeral(INodeLayout layout, PageStoreOptions? options = null)
    {
        options = (options ?? new PageStoreOptions()) with { Durable = false, CreateIfMissing = true };
        Validate(options);
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        RocksDb? db = null;
        try
        {
            db = OpenDb(directory, options);
            return new PageStore(db, directory, layout, options, ephemeral: true);
        }
        catch
        {
            db?.Dispose();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    private static void Validate(PageStoreOptions options)
    {
        if (options.PendingCountLimit < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.PendingCountLimit, "PageStoreOptions.PendingCountLimit must be at least 1.");
        if (options.PageDeltaLimit < 0 || options.PageDeltaLimit >= PageSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.PageDeltaLimit, $"PageStoreOptions.PageDeltaLimit must be from 0 to {PageSize - 1}.");
        if (options.MaxOpenFiles < 20)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOpenFiles, "PageStoreOptions.MaxOpenFiles must be at least 20.");
    }

    /// <summary>
    /// Memtable size of the columns of small, numerous entries (counts: 41 bytes, nodes: ~100).
    /// A commit writes several of these per page it changes; in RocksDB's default 64 MiB memtable
    /// (a million such entries) each insert and lookup walks a skiplist far larger than the CPU
    /// caches. 8 MiB memtables made commits ~1.7–2× cheaper in CPU time, flushes included
    /// (StoreWriteBench, N = 1–256); pages keep the default, their entries are 10–100× larger.
    /// </summary>
    private const ulong SmallEntryWriteBufferBytes = 8UL << 20;

    /// <summary>Memory for each memtable's bloom filter, as a fraction of the memtable's size.</summary>
    private const double MemtableBloomRatio = 0.02;

    private static RocksDb OpenDb(string directory, PageStoreOptions options)
    {
        var cache = Cache.CreateLru(options.BlockCacheBytes);
        var dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetParanoidChecks(true)
            .SetKeepLogFileNum(2)
            .SetMaxTotalWalSize(256UL << 20)
            .SetMaxOpenFiles(options.MaxOpenFiles)
            .SetInfoLogLevel(InfoLogLevel.Error);
        var families = new ColumnFamilies();
        foreach (var column in StoreColumns.All)
        {
            var table = new BlockBasedTableOptions()
                .SetBlockCache(cache)
                .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
                .SetWholeKeyFiltering(true)
                .SetFormatVersion(5);
            // Pages and bytecode are LZ4'd by us, nodes are hashes: RocksDB compression would not pay.
            var cf = new ColumnFamilyOptions()
                .SetCompression(Compression.No)
                .SetBlockBasedTableFactory(table)
                .SetMemtablePrefixBloomSizeRatio(MemtableBloomRatio);
            // Most lookups a commit makes are for keys that are not there (a new node or page, a
            // count entry an object with one referrer never has): a bloom filter over the memtable's
            // whole keys answers those without walking its skiplist.
            Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(cf.Handle, 1);
            if (column is StoreColumn.Refs or StoreColumn.Nodes) cf.SetWriteBufferSize(SmallEntryWriteBufferBytes);
            families.Add(StoreColumns.Name(column), cf);
        }
        try
        {
            return RocksDb.Open(dbOptions, directory, families);
        }
        catch (RocksDbException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreLockedException($"The store at '{directory}' is in use by another open store or process: {e.Message}", e);
        }
        catch (RocksDbException e) when (e.Message.StartsWith("IO error", StringComparison.Ordinal) && !e.Message.Contains("No such file", StringComparison.Ordinal))
        {
            // A file that cannot be read or written (a full disk, a failing device). A file of the
            // store that is missing is damage: RocksDB says "Corruption" for a table, "IO error" for a manifest.
            throw new StoreIOException($"The store at '{directory}' cannot be opened: {e.Message}", e);
        }
        catch (RocksDbException e)
        {
            throw new CorruptStoreException($"The store at '{directory}' cannot be opened: {e.Message}", e);
        }
    }

    internal ColumnFamilyHandle Column(StoreColumn column) => _columns[(int)column];

    /// <summary>Recently read or written reference counts; under the write lock only.</summary>
    internal RefCountCache RefCounts
    {
        get
        {
            Debug.Assert(Monitor.IsEntered(_writeLock), "The count cache is used under the write lock only.");
            return _refCounts;
        }
    }

    /// <summary>The key of a page: BLAKE3 of its bytes (hashed by <see cref="PageHasher.HashOne"/> when it is a whole page: about twice as fast as the package).</summary>
    public static Hash PageKey(ReadOnlySpan<byte> page) => page.Length == PageSize ? PageHasher.HashOne(page) : Hash.Of(page);

    /// <summary>Reads and verifies page <paramref name="key"/> into <paramref name="destination"/> (4096 bytes). The zero key reads as zeros.</summary>
    /// <exception cref="CorruptStoreException">The page is missing or its bytes do not hash to its key.</exception>
    public void ReadPage(Hash key, Span<byte> destination)
    {
        if (destination.Length != PageSize)
            throw new ArgumentException($"A page is {PageSize} bytes.", nameof(destination));
        if (ReadUnverified(key, destination)) CheckKey(key, PageKey(destination));
    }

    /// <summary>
    /// Reads and verifies pages <paramref name="keys"/>[i] into <paramref name="destinations"/>[i] (4096
    /// bytes each), as <see cref="ReadPage"/> does each, but hashes the pages stored whole together
    /// (<see cref="PageHasher"/>: ~2.3 µs a page, against ~3.7 µs for one alone): building a memory's image
    /// from the store spent half its time verifying pages one at a time (ColdStartBench). (Reading on
    /// two cores was tried: handing 64 pages to the thread pool cost more than it saved.)
    /// </summary>
    /// <exception cref="CorruptStoreException">A page is missing or its bytes do not hash to its key (when several are, the error names one of them).</exception>
    /// <exception cref="StoreIOException">Reading failed.</exception>
    public void ReadPages(IReadOnlyList<Hash> keys, IReadOnlyList<Memory<byte>> destinations)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(destinations);
        if (destinations.Count != keys.Count) throw new ArgumentException("One destination per key.", nameof(destinations));
        foreach (var destination in destinations)
            if (destination.Length != PageSize) throw new ArgumentException($"A page is {PageSize} bytes.", nameof(destinations));
        var whole = new List<int>(keys.Count);
        for (int i = 0; i < keys.Count; i++)
            if (ReadUnverified(keys[i], destinations[i].Span)) whole.Add(i);
        var actual = new Hash[whole.Count];
        PageHasher.Hash(whole.ConvertAll(i => (ReadOnlyMemory<byte>)destinations[i]), actual);
        for (int j = 0; j < whole.Count; j++) CheckKey(keys[whole[j]], actual[j]);
    }

    // Reads page `key` into destination; true when it was stored whole and its hash is still to be
    // checked (CheckKey), false when it is done: the zero page, or a difference (verified as rebuilt).
    private bool ReadUnverified(Hash key, Span<byte> destination)
    {
        if (key == ZeroPageKey)
        {
            destination.Clear();
            return false;
        }
        var stored = Get(StoreColumn.Pages, key) ?? throw Missing(ObjectRef.Page(key));
        if (PageDelta.IsDelta(stored))
        {
            ReadDifference(key, stored, destination);
            return false;
        }
        if (!BlobCodec.TryDecode(stored, destination))
            throw new CorruptStoreException($"Page {key} is stored in an unreadable encoding.");
        return true;
    }

    private static void CheckKey(Hash key, Hash actual)
    {
        if (actual != key)
            throw new CorruptStoreException($"Page {key} is corrupt: its stored bytes hash to {actual}.");
    }

    // Rebuilds and verifies a page stored as a difference (PageDelta); when the result does not hash
    // to its key, the error names whichever of the two values is damaged.
    private void ReadDifference(Hash key, byte[] stored, Span<byte> destination)
    {
        var (baseKey, baseStored) = StoredBase(key, stored);
        // A base is always stored whole, so a read costs two values at most.
        if (!BlobCodec.TryDecode(baseStored, destination))
            throw new CorruptStoreException($"Page {key} is stored as a difference from page {baseKey}, which is not stored whole or is unreadable.");
        Span<byte> scratch = stackalloc byte[PageSize];
        if (!PageDelta.TryApply(stored, destination, scratch))
            throw new CorruptStoreException($"Page {key} is stored in an unreadable encoding.");
        var actual = PageKey(destination);
        if (actual == key) return;
        if (BlobCodec.TryDecode(baseStored, destination) && PageKey(destination) is var baseActual && baseActual != baseKey)
            throw new CorruptStoreException($"Page {baseKey} is corrupt: its stored bytes hash to {baseActual} (page {key} is stored as a difference from it).");
        throw new CorruptStoreException($"Page {key} is corrupt: its stored difference from page {baseKey} rebuilds bytes that hash to {actual}.");
    }

    /// <summary>
    /// The page a new version of page <paramref name="previous"/> may be stored as a difference from,
    /// read into <paramref name="basePage"/>: <paramref name="previous"/> itself when it is stored whole,
    /// its base when it is a difference; null when it is not stored (or is the zero page).
    /// </summary>
    /// <exception cref="CorruptStoreException">The base is missing, unreadable or does not hash to its key: a difference from it could never be read.</exception>
    internal Hash? ReadDeltaBase(Hash previous, Span<byte> basePage)
    {
        if (previous == ZeroPageKey) return null;
        var stored = Get(StoreColumn.Pages, previous);
        if (stored is null) return null;
        var baseKey = previous;
        if (PageDelta.IsDelta(stored)) (baseKey, stored) = StoredBase(previous, stored);
        if (!BlobCodec.TryDecode(stored, basePage) || PageKey(basePage) != baseKey)
            throw new CorruptStoreException($"Page {baseKey} is corrupt: it is unreadable or does not hash to its key.");
        return baseKey;
    }

    /// <summary>The page that page <paramref name="key"/> is stored as a difference from, or null when it is stored whole (or not at all).</summary>
    /// <exception cref="CorruptStoreException">The stored value starts like a difference but is malformed.</exception>
    internal Hash? StoredPageBase(Hash key)
    {
        var stored = Get(StoreColumn.Pages, key);
        return stored is null || !PageDelta.IsDelta(stored) ? null : BaseOf(key, stored);
    }

    // The page a stored difference of page `page` names as its base.
    private static Hash BaseOf(Hash page, byte[] stored) =>
        PageDelta.TryGetBase(stored, out var baseKey) ? baseKey : throw new CorruptStoreException($"Page {page} is stored in an unreadable encoding.");

    // The base a stored difference of page `page` names, with the base's stored value.
    private (Hash Key, byte[] Stored) StoredBase(Hash page, byte[] stored)
    {
        var baseKey = BaseOf(page, stored);
        var baseStored = Get(StoreColumn.Pages, baseKey)
            ?? throw new CorruptStoreException($"Page {page} is stored as a difference from page {baseKey}, which the store lacks.");
        return (baseKey, baseStored);
    }

    /// <summary>The largest difference a page is stored as (<see cref="PageStoreOptions.PageDeltaLimit"/>).</summary>
    internal int PageDeltaLimit => _pageDeltaLimit;

    /// <summary>Reads and verifies tree node <paramref name="key"/>.</summary>
    /// <exception cref="CorruptStoreException">The node is missing or does not hash to its key.</exception>
    public byte[] ReadNode(Hash key)
    {
        var node = Get(StoreColumn.Nodes, key) ?? throw Missing(ObjectRef.Node(key));
        Hash actual;
        try
        {
            actual = Layout.KeyOf(node);
        }
        catch (CorruptStoreException e)
        {
            throw new CorruptStoreException($"Node {key} is corrupt: {e.Message}", e);
        }
        if (actual != key)
            throw new CorruptStoreException($"Node {key} is corrupt: its stored bytes hash to {actual}.");
        return node;
    }

    /// <summary>Reads and verifies bytecode <paramref name="key"/>.</summary>
    /// <exception cref="CorruptStoreException">The bytecode is missing or does not hash to its key.</exception>
    public byte[] ReadBytecode(Hash key)
    {
        var stored = Get(StoreColumn.Bytecode, key) ?? throw Missing(ObjectRef.Bytecode(key));
        int length = BlobCodec.DecodedLength(stored);
        if (length < 0 || length > 1 << 30)
            throw new CorruptStoreException($"Bytecode {key} is stored in an unreadable encoding.");
        var bytecode = new byte[length];
        if (!BlobCodec.TryDecode(stored, bytecode))
            throw new CorruptStoreException($"Bytecode {key} is stored in an unreadable encoding.");
        var actual = Hash.Of(bytecode);
        if (actual != key)
            throw new CorruptStoreException($"Bytecode {key} is corrupt: its stored bytes hash to {actual}.");
        return bytecode;
    }

    /// <summary>True when the object is stored (the zero page counts as stored).</summary>
    public bool Contains(ObjectRef reference)
    {
        if (reference.Kind == ObjectKind.Page && reference.Key == ZeroPageKey) return true;
        Span<byte> key = stackalloc byte[Hash.Size];
        reference.Key.CopyTo(key);
        var column = StoreColumns.ColumnOf(reference.Kind);
        try
        {
            return _db.HasKey(key, Column(column), null);
        }
        catch (RocksDbException e)
        {
            throw StoreErrors.Read(column, key, e);
        }
    }

    /// <summary>How many commits, distinct stored nodes and pages stored as a difference from it (<see cref="PageDelta"/>) reference the object (0 when it is not stored); a node naming the same child twice counts once.</summary>
    /// <remarks>
    /// Stored form: an object with a single referrer — most objects, and every object a commit
    /// creates — has no count entry (a stored object without one counts 1); only counts of 2 and more
    /// are written. The references a commit adds to objects already stored are journaled until the
    /// next deletion applies them (<see cref="PageStoreOptions.PendingCountLimit"/>), so this reads the
    /// journal too: it costs a pass over at most that many increments.
    /// </remarks>
    public ulong RefCount(ObjectRef reference)
    {
        ulong count = AppliedCount(reference);
        if (count == 0) return 0;
        foreach (var (_, references) in PendingIncrements())
            foreach (var pending in references)
                if (pending == reference) count++;
        return count;
    }

    /// <summary>The object's count without its journaled increments: 0 when it is not stored, else its entry or 1.</summary>
    internal ulong AppliedCount(ObjectRef reference)
    {
        if (!Contains(reference) || reference.Kind == ObjectKind.Page && reference.Key == ZeroPageKey) return 0;
        return StoredCount(reference) ?? 1;
    }

    /// <summary>The journal's entries decoded, in commit order (the list is reused from one entry to the next).</summary>
    /// <exception cref="CorruptStoreException">An entry is malformed, or the journal cannot be read to its end.</exception>
    internal IEnumerable<(byte[] Key, List<ObjectRef> References)> PendingIncrements()
    {
        var references = new List<ObjectRef>();
        foreach (var (key, value) in JournalEntries())
        {
            references.Clear();
            if (!CountJournal.TryDecode(key, value, references))
                throw new CorruptStoreException($"A pending reference-count entry (key 0x{Convert.ToHexStringLower(key)}) is malformed: the store's counts cannot be trusted (run fsck).");
            yield return (key, references);
        }
    }

    /// <summary>The journal of pending count increments, in commit order (keys and values copied).</summary>
    /// <exception cref="CorruptStoreException">The journal cannot be read to its end.</exception>
    internal IEnumerable<(byte[] Key, byte[] Value)> JournalEntries()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scan = Scan(StoreColumn.Increments);
        while (scan.MoveNext())
            yield return (scan.Key.ToArray(), scan.Value.ToArray());
    }

    /// <summary>
    /// The explicit count entry of an object, or null. Only counts of 2 or more have one, so an
    /// entry that is not 8 bytes or holds less than 2 cannot have been written by the store.
    /// </summary>
    /// <exception cref="CorruptStoreException">The entry is malformed, or unreadable.</exception>
    internal ulong? StoredCount(ObjectRef reference)
    {
        Span<byte> key = stackalloc byte[1 + Hash.Size];
        RefKey(reference, key);
        var value = Get(StoreColumn.Refs, key);
        if (value is null) return null;
        ulong count = value.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;
        if (count < 2)
            throw new CorruptStoreException($"The reference count of {reference} is stored as {(value.Length == 8 ? count.ToString() : $"a {value.Length}-byte value")}, which the store never writes: its counts cannot be trusted; {StoreErrors.FsckHint}.");
        return count;
    }

    /// <summary>Keys of every stored object of one kind, in key order (for fsck, statistics and tests).</summary>
    /// <exception cref="CorruptStoreException">The column cannot be read to its end (damaged).</exception>
    /// <exception cref="StoreIOException">The column cannot be read to its end (an I/O error).</exception>
    public IEnumerable<Hash> Keys(ObjectKind kind)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scan = Scan(StoreColumns.ColumnOf(kind));
        while (scan.MoveNext())
            yield return Hash.FromBytes(scan.Key);
    }

    /// <summary>A pass over one column that throws, rather than ends, when RocksDB cannot read on.</summary>
    internal ColumnScan Scan(StoreColumn column) => new(_db, Column(column), column);

    /// <summary>The raw stored value of an object, unverified and still encoded (for fsck and statistics).</summary>
    public byte[]? ReadStoredValue(ObjectRef reference) => Get(StoreColumns.ColumnOf(reference.Kind), reference.Key);

    internal static void RefKey(ObjectRef reference, Span<byte> key)
    {
        key[0] = (byte)reference.Kind;
        reference.Key.CopyTo(key[1..]);
    }

    private byte[]? Get(StoreColumn column, Hash key)
    {
        Span<byte> bytes = stackalloc byte[Hash.Size];
        key.CopyTo(bytes);
        return Get(column, bytes);
    }

    /// <summary>One value, or null when there is none.</summary>
    /// <exception cref="CorruptStoreException">RocksDB found the value's block damaged.</exception>
    /// <exception cref="StoreIOException">RocksDB could not read it for another reason.</exception>
    internal byte[]? Get(StoreColumn column, ReadOnlySpan<byte> key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return _db.Get(key, Column(column), null);
        }
        catch (RocksDbException e)
        {
            throw StoreErrors.Read(column, key, e);
        }
    }

    /// <summary>
    /// The column family whose table file a RocksDB status names ("… in …/000012.sst offset …"),
    /// found in each column's list of live files; null when it names none or an unknown one.
    /// </summary>
    internal StoreColumn? ColumnOfTable(string status)
    {
        var match = TableFileName().Match(status);
        if (!match.Success || !ulong.TryParse(match.Groups[1].Value, out ulong number)) return null;
        foreach (var column in StoreColumns.All)
        {
            // Lines like " 12:4096[1 .. 5]['key' seq:1, type:1 .. …]": file number, size, range.
            foreach (var line in (_db.GetProperty("rocksdb.sstables", Column(column)) ?? "").Split('\n'))
            {
                var file = line.AsSpan().TrimStart();
                int colon = file.IndexOf(':');
                if (colon > 0 && ulong.TryParse(file[..colon], out ulong listed) && listed == number) return column;
            }
        }
        return null;
    }

    /// <summary>A RocksDB status that names a table file, with the column the file belongs to added.</summary>
    internal string WithTableColumn(string status) =>
        ColumnOfTable(status) is { } column ? $"{status} (a table file of the {StoreColumns.Name(column)} column)" : status;

    [System.Text.RegularExpressions.GeneratedRegex(@"(\d+)\.sst\b")]
    private static partial System.Text.RegularExpressions.Regex TableFileName();

    private static CorruptStoreException Missing(ObjectRef reference) =>
        new($"The store lacks {reference}, which a live commit references.");

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _db.Dispose();
        if (_ephemeral)
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); }
            catch (IOException) { /* a leftover temp directory is harmless */ }
        }
    }
}
