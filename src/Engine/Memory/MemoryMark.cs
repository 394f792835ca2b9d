namespace Piecrust.Memory;

/// <summary>
/// An instance's memory as it was when a sub-call began, for undoing that sub-call in place if it
/// fails. On both memory paths a page the process has no private copy of shows its underlying mapping
/// (the committed image and checkpointed overlay, or zeros), and nothing remaps a memory while a call
/// runs: so only the pages that are private at the mark need their bytes kept. Undoing drops the
/// private copies made since (they show the mapping again) and writes the kept pages back.
/// Cost: one page-table scan and a copy of the pages private at the mark (those written since the
/// last checkpoint); the undo adds one scan and the pages written since the mark.
/// </summary>
internal sealed class MemoryMark
{
    private const int PageSize = Storage.PageStore.PageSize;

    private readonly ulong _length;
    private readonly ulong[] _indices; // ascending
    private readonly byte[] _bytes; // page i of _indices at [i * PageSize, +PageSize)

    private MemoryMark(ulong length, ulong[] indices, byte[] bytes)
    {
        _length = length;
        _indices = indices;
        _bytes = bytes;
    }

    /// <summary>Pages the mark keeps (private copies at the time it was taken).</summary>
    public int KeptPages => _indices.Length;

    /// <summary>Marks <paramref name="memory"/> as it is now; <paramref name="scratch"/> is working space (cleared).</summary>
    public static MemoryMark Take(LinearMemory memory, List<ulong> scratch)
    {
        scratch.Clear();
        DirtyPageScanner.Scan(memory.Address, memory.Capacity / PageSize, scratch);
        var indices = scratch.ToArray();
        var bytes = indices.Length == 0 ? [] : GC.AllocateUninitializedArray<byte>(indices.Length * PageSize);
        for (int i = 0; i < indices.Length; i++) memory.Page(indices[i], PageSize).CopyTo(bytes.AsSpan(i * PageSize, PageSize));
        return new MemoryMark(memory.Length, indices, bytes);
    }

    /// <summary>Makes <paramref name="memory"/> (the one marked) show exactly what it showed at the mark, length included.</summary>
    public void Restore(LinearMemory memory, List<ulong> scratch)
    {
        scratch.Clear();
        DirtyPageScanner.Scan(memory.Address, memory.Capacity / PageSize, scratch);
        // Private copies made since the mark: dropped, so they show the mapping they showed then.
        var fresh = new List<ulong>();
        foreach (ulong index in scratch)
            if (Array.BinarySearch(_indices, index) < 0) fresh.Add(index);
        foreach (var (start, count) in PageRuns.Of(fresh))
            Posix.DiscardPrivatePages(memory.Address + (nint)(start * PageSize), count * PageSize);
        for (int i = 0; i < _indices.Length; i++)
        {
            var kept = _bytes.AsSpan(i * PageSize, PageSize);
            var page = memory.Page(_indices[i], PageSize);
            if (!page.SequenceEqual(kept)) kept.CopyTo(page);
        }
        memory.SetLength(_length);
    }
}
