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
    public StoreStatistics GetStatistics()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long commits, pending, increments;
        lock (_writeLock)
        {
            commits = _commits.Count(c => !c.Value.PendingDelete);
            pending = _commits.Count - commits;
            increments = _pendingIncrements;
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
    /// lease that has since ended, and cached compiled modules whose bytecode is no longer stored.
    /// It applies the count increments commits journaled (<see cref="PageStoreOptions.PendingCountLimit"/>),
    /// then compacts every RocksDB column family so deleted values leave the disk.
    /// Objects that <see cref="Check"/> reports as leaked are left alone: a leak is a symptom (of a
    /// corrupt node, say) to investigate, not something to delete blindly.
    /// </summary>
    /// <param name="progress">Receives progress: reclaiming, then removing modules, then one step per column family compacted.</param>
    public GarbageReport CollectGarbage(IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long before = DiskBytes();
        int reclaimed = 0, objects = 0, orphans = 0;
        lock (_writeLock)
        {
            var doomed = _commits.Where(c => c.Value.PendingDelete && !_leases.ContainsKey(c.Key)).ToArray();
            progress?.Report(new MaintenanceProgress("reclaiming deleted commits", 0, doomed.Length));
            foreach (var (root, record) in doomed)
            {
                Reclaim(root, record);
                objects += LastWrite.ObjectsRemoved;
                progress?.Report(new MaintenanceProgress("reclaiming deleted commits", ++reclaimed, doomed.Length));
            }

            progress?.Report(new MaintenanceProgress("applying journaled reference counts", 0, 0));
            if (_pendingIncrements > 0) ApplyPendingIncrements();

            progress?.Report(new MaintenanceProgress("removing orphan compiled modules", 0, 0));
            using var batch = new WriteBatch();
            var modules = Column(StoreColumn.Modules);
            var bytecode = Column(StoreColumn.Bytecode);
            using (var iterator = _db.NewIterator(modules))
            {
                for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                {
                    var key = iterator.GetKeySpan();
                    // Malformed keys are removed too: nothing could ever look them up.
                    if (key.Length == 2 * Hash.Size && _db.HasKey(key[..Hash.Size], bytecode, null)) continue;
                    batch.Delete(key.ToArray(), modules);
                    orphans++;
                }
            }
            if (orphans > 0) Write(batch);
        }

        var columns = StoreColumns.All;
        for (int i = 0; i < columns.Length; i++)
        {
            progress?.Report(new MaintenanceProgress($"compacting {StoreColumns.Name(columns[i])}", i, columns.Length));
            _db.CompactRange((byte[]?)null, null, Column(columns[i]));
        }
        progress?.Report(new MaintenanceProgress("compacted", columns.Length, columns.Length));
        return new GarbageReport(reclaimed, objects, orphans, columns.Length, before, DiskBytes());
    }

    private (long Count, long Bytes) CountColumn(StoreColumn column, Action<ReadOnlySpan<byte>>? value)
    {
        long count = 0, bytes = 0;
        using var iterator = _db.NewIterator(Column(column));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            var span = iterator.GetValueSpan();
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
