namespace Piecrust.Storage;

/// <summary>What <see cref="PageStore.CollectGarbage"/> removed.</summary>
/// <param name="PendingDeletesReclaimed">Deleted commits whose reclamation had been deferred and no lease holds any longer.</param>
/// <param name="ObjectsReclaimed">Pages, nodes and bytecode those reclamations removed.</param>
/// <param name="OrphanModulesRemoved">Cached compiled modules whose bytecode is no longer stored.</param>
/// <param name="ColumnFamiliesCompacted">RocksDB column families compacted.</param>
/// <param name="DiskBytesBefore">RocksDB's estimate of the store's size (tables and memtables) before.</param>
/// <param name="DiskBytesAfter">The same estimate after compaction.</param>
public sealed record GarbageReport(
    int PendingDeletesReclaimed, int ObjectsReclaimed, int OrphanModulesRemoved, int ColumnFamiliesCompacted,
    long DiskBytesBefore, long DiskBytesAfter);
