namespace Piecrust.Memory;

/// <summary>
/// Page-sized slices of reused chunks, for the changed pages a commit reads out of its memories.
/// A block's commit reads thousands of pages, which stay referenced until its write is done: as
/// fresh arrays (~9 MB per 1,000-call block) they were copied into older generations by every
/// collection that ran meanwhile. Chunks are 64 KiB, below the large-object threshold, and kept for
/// the next commit up to <see cref="MaxKeptPages"/>. Not thread-safe: one commit uses it at a time.
/// </summary>
internal sealed class PageBuffer
{
    /// <summary>Pages kept for reuse past a commit (16 MiB).</summary>
    public const int MaxKeptPages = 4_096;

    private const int PageSize = Storage.PageStore.PageSize;
    private const int ChunkPages = 16;
    private readonly List<byte[]> _chunks = [];
    private int _used; // pages handed out since the last reset

    /// <summary>A page-sized slice no other caller holds until <see cref="Reset"/> (its content is whatever it held before).</summary>
    public Memory<byte> Next()
    {
        int chunk = _used / ChunkPages;
        if (chunk == _chunks.Count) _chunks.Add(new byte[ChunkPages * PageSize]);
        var page = _chunks[chunk].AsMemory(_used % ChunkPages * PageSize, PageSize);
        _used++;
        return page;
    }

    /// <summary>Takes every slice back (their holders must be done with them); chunks past the bound are dropped.</summary>
    public void Reset()
    {
        _used = 0;
        int keep = MaxKeptPages / ChunkPages;
        if (_chunks.Count > keep) _chunks.RemoveRange(keep, _chunks.Count - keep);
    }
}
