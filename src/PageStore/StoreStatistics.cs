namespace Piecrust.Storage;

/// <summary>
/// What a store holds, counted from its column families (<see cref="PageStore.GetStatistics"/>).
/// "Stored bytes" are the bytes of the stored values (pages and bytecode as encoded by the store:
/// a tag byte, then raw or LZ4), not counting keys or RocksDB's own overhead.
/// </summary>
/// <param name="Commits">Live commits.</param>
/// <param name="PendingDeletes">Deleted commits whose objects a lease still keeps.</param>
/// <param name="Pages">Stored pages (distinct non-zero 4 KiB pages).</param>
/// <param name="PageBytes">Stored bytes of the pages (encoded).</param>
/// <param name="Nodes">Stored tree nodes.</param>
/// <param name="NodeBytes">Stored bytes of the nodes.</param>
/// <param name="Bytecodes">Stored bytecodes (distinct contract codes).</param>
/// <param name="BytecodeBytes">Stored bytes of the bytecodes (encoded).</param>
/// <param name="BytecodeDecodedBytes">Bytes of the bytecodes once decoded.</param>
/// <param name="Modules">Cached compiled modules.</param>
/// <param name="ModuleBytes">Stored bytes of the cached compiled modules.</param>
/// <param name="ReferenceCounts">Reference-count entries.</param>
/// <param name="DiskBytes">Bytes of RocksDB's table files and memtables over all column families (RocksDB's own estimate).</param>
/// <param name="PendingCountIncrements">Reference-count increments commits journaled and no deletion has applied yet (<see cref="PageStoreOptions.PendingCountLimit"/>).</param>
public sealed record StoreStatistics(
    long Commits, long PendingDeletes,
    long Pages, long PageBytes,
    long Nodes, long NodeBytes,
    long Bytecodes, long BytecodeBytes, long BytecodeDecodedBytes,
    long Modules, long ModuleBytes,
    long ReferenceCounts, long DiskBytes, long PendingCountIncrements = 0)
{
    /// <summary>Bytes of the pages before encoding: <see cref="Pages"/> × 4096.</summary>
    public long PageDecodedBytes => Pages * PageStore.PageSize;

    /// <summary>Stored bytes of every content-addressed object: pages + nodes + bytecode.</summary>
    public long StoredBytes => PageBytes + NodeBytes + BytecodeBytes;

    /// <summary>
    /// How much the page encoding saves: <see cref="PageDecodedBytes"/> / <see cref="PageBytes"/>
    /// (4096 bytes per stored page over the bytes the store keeps for them). 1 when no page is stored;
    /// just under 1 for incompressible pages (one tag byte each).
    /// </summary>
    public double PageCompressionRatio => PageBytes == 0 ? 1.0 : (double)PageDecodedBytes / PageBytes;
}
