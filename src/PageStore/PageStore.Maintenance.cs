using RocksDbSharp;

namespace Piecrust.Storage;

public sealed partial class PageStore
{
    /// <summary>True when <paramref name="directory"/> holds a store (a RocksDB database), without opening or creating it.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, "CURRENT"));

    /// <summary>
    /// Counts what the store holds (one pass over the keys and value sizes of every column family;
    /// values are not decoded except for the length header of bytecode).
    /// </summary>
    /// <exception cref="CorruptStoreException">A column cannot be read to its end (damaged).</exception>
    /// <exception cref="StoreIOException">A column cannot be read to its end (an I/O error).</exception>
    public StoreStatistics GetStatistics()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long commits, pending, increments;
        lock (_writeLock)
        {
            commits = _commits.Count(c => !c.Value.PendingDelete);
            pending = _commits.Count - commits;
            increments = PendingIncrementCount();
        }
        var (pages, pageBytes) = CountColumn(StoreColumn.Pages, null);
        var (nodes, nodeBytes) = CountColumn(StoreColumn.Nodes, null);
        long decoded = 0;
        var (bytecodes, bytecodeBytes) = CountColumn(StoreColumn.Bytecode, value => decoded += Math.Max(0, BlobCodec.DecodedLength(value)));
        var (modules, moduleBytes) = CountColumn(StoreColumn.Modules, null);
        var (refs, _) = CountColumn(StoreColumn.Refs, null);
        return new StoreStatistics(commits, pending, pages, pageBytes, nodes, nodeBytes, bytecodes, bytecodeBytes, decoded,
            modules, moduleBytes, refs, DiskBytes(), increments);
    }

    /// <summary>
    /// Garbage collection. With exact reference counts nothing reachable is ever garbage, so this
    /// removes only what the counts do not cover: deleted commits whose reclamation was deferred by a
    /// lease that has since ended, the objects of imports abandoned before their commit (their pins,
    /// see <see cref="ObjectImport"/>; left alone while an import runs in this process), and cached
    /// compiled modules whose bytecode is no longer stored.
    /// It applies the count increments commits journaled (<see cref="PageStoreOptions.PendingCountLimit"/>),
    /// all of this in one atomic batch, then compacts every RocksDB column family so deleted values
    /// leave the disk. Objects that <see cref="Check"/> reports as leaked are left alone: a leak is a
    /// symptom (of a corrupt node, say) to investigate, not something to delete blindly.
    /// </summary>
    /// <remarks>
    /// Like a deletion, it reclaims nothing on counts it cannot trust (see <see cref="DeleteCommit"/>):
    /// an unreadable or inconsistent journal, count, node or module list throws before anything is written.
    /// </remarks>
    /// <param name="progress">Receives progress: reclaiming, then removing modules, then one step per column family compacted.</param>
    /// <exception cref="CorruptStoreException">What it would reclaim relies on damaged or inconsistent data (nothing is written), or compaction found damaged data (after the reclamation was written).</exception>
    /// <exception cref="StoreIOException">Reading, writing or compacting failed (a full disk, an I/O error).</exception>
    public GarbageReport CollectGarbage(IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long before = DiskBytes();
        int reclaimed, objects, orphans;
        lock (_writeLock)
        {
            var doomed = _commits.Where(c => c.Value.PendingDelete && !_leases.ContainsKey(c.Key)).Select(c => c.Key).ToArray();
            progress?.Report(new MaintenanceProgress("reclaiming deleted commits", 0, doomed.Length));
            using var batch = new WriteBatch();
            using var transaction = new RefTransaction(this, batch, staged: null);
            transaction.FoldJournal(); // even with nothing to reclaim: it applies the journaled counts
            StagePinRelease(batch, transaction); // the objects of abandoned imports
            foreach (var root in doomed)
            {
                if (_commits[root].HasRootNode) transaction.Release(root);
                batch.Delete(root.ToArray(), Column(StoreColumn.Commits));
            }
            progress?.Report(new MaintenanceProgress("removing orphan compiled modules", 0, 0));
            orphans = StageOrphanModuleRemoval(batch);
            transaction.Flush();
            FaultPoint(StoreFault.BeforeReclaimWrite);
            Write(batch, transaction);
            FaultPoint(StoreFault.AfterReclaimWrite);
            foreach (var root in doomed) _commits.Remove(root);
            reclaimed = doomed.Length;
            objects = transaction.ObjectsRemoved;
            LastWrite = new WriteStatistics(0, objects, 0, BatchBytes: LastBatchBytes);
            progress?.Report(new MaintenanceProgress("reclaiming deleted commits", reclaimed, doomed.Length));
        }

        var columns = StoreColumns.All;
        for (int i = 0; i < columns.Length; i++)
        {
            progress?.Report(new MaintenanceProgress($"compacting {StoreColumns.Name(columns[i])}", i, columns.Length));
            Compact(columns[i]);
        }
        progress?.Report(new MaintenanceProgress("compacted", columns.Length, columns.Length));
        return new GarbageReport(reclaimed, objects, orphans, columns.Length, before, DiskBytes());
    }

    // Deletes, in the batch, cached modules whose bytecode is not stored; returns how many.
    private int StageOrphanModuleRemoval(WriteBatch batch)
    {
        int orphans = 0;
        var modules = Column(StoreColumn.Modules);
        using var scan = Scan(StoreColumn.Modules);
        while (scan.MoveNext())
        {
            var key = scan.Key;
            // Malformed keys are removed too: nothing could ever look them up.
            if (key.Length == 2 * Hash.Size && Contains(ObjectRef.Bytecode(Hash.FromBytes(key[..Hash.Size])))) continue;
            batch.Delete(key.ToArray(), modules);
            orphans++;
        }
        return orphans;
    }

    /// <summary>
    /// Compacts one column family. RocksDB's C API returns no status for a manual compaction; one
    /// that fails (on a damaged block, a full disk) leaves its input in place and stops the
    /// database's writes with a background error, which waiting for compactions returns.
    /// </summary>
    private void Compact(StoreColumn column)
    {
        string what = $"compacting the {StoreColumns.Name(column)} column";
        if (WriteFailureInjector?.Invoke(Directory, "compaction") is { } injected)
            throw StoreErrors.Write(Directory, what, injected, null);
        _db.CompactRange((byte[]?)null, null, Column(column));
        var options = Native.Instance.rocksdb_wait_for_compact_options_create();
        try
        {
            Native.Instance.rocksdb_wait_for_compact(_db.Handle, options);
        }
        catch (RocksDbException e)
        {
            throw StoreErrors.Write(Directory, what, WithTableColumn(e.Message), e);
        }
        finally
        {
            Native.Instance.rocksdb_wait_for_compact_options_destroy(options);
        }
    }

    private (long Count, long Bytes) CountColumn(StoreColumn column, Action<ReadOnlySpan<byte>>? value)
    {
        long count = 0, bytes = 0;
        using var scan = Scan(column);
        while (scan.MoveNext())
        {
            var span = scan.Value;
            count++;
            bytes += span.Length;
            value?.Invoke(span);
        }
        return (count, bytes);
    }

    private long DiskBytes()
    {
        long total = 0;
        foreach (var column in StoreColumns.All)
        {
            foreach (var property in new[] { "rocksdb.total-sst-files-size", "rocksdb.cur-size-all-mem-tables" })
                if (long.TryParse(_db.GetProperty(property, Column(column)), out long value)) total += value;
        }
        return total;
    }
}
