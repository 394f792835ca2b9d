namespace Piecrust.Memory;

/// <summary>
/// Checkpointed pages an instance keeps as its own private copies instead of having the session
/// overlay mapped over them, with a copy of each as checkpointed. The copy is the page's checkpointed
/// content: it is not written to the overlay file until the memory leaves the instance. Mapping a page over the instance
/// costs an mmap, a TLB shootdown on every core the process ran on, and a copy-on-write fault at the
/// next write; a contract called again and again writes the same few pages (stack, argument buffer,
/// hot data), so keeping them private makes a checkpoint a compare and an append instead. A kept
/// page stays private (the scan sees it at every checkpoint: the copy says whether it changed), and
/// a revert writes the copy back rather than dropping the page, whose mapping shows older content.
/// At most <see cref="Capacity"/> pages per memory: checkpoints compare every kept page, and the
/// copies take RAM. Used by one session thread.
/// </summary>
internal sealed class KeptPages
{
    /// <summary>Pages a memory may keep: 256 KiB of copies, and as many compares per checkpoint.</summary>
    public const int Capacity = 64;

    private const int PageSize = Storage.PageStore.PageSize;
    private readonly Dictionary<ulong, byte[]> _copies = new();

    public int Count => _copies.Count;

    public bool Contains(ulong index) => _copies.ContainsKey(index);

    /// <summary>True when page <paramref name="index"/> is kept and <paramref name="current"/> equals its checkpointed copy.</summary>
    public bool Unchanged(ulong index, ReadOnlySpan<byte> current) =>
        _copies.TryGetValue(index, out var copy) && current.SequenceEqual(copy);

    /// <summary>Copies the checkpointed content of page <paramref name="index"/> into <paramref name="destination"/>; false when it is not kept.</summary>
    public bool TryRead(ulong index, Span<byte> destination)
    {
        if (!_copies.TryGetValue(index, out var copy)) return false;
        copy.CopyTo(destination);
        return true;
    }

    /// <summary>Every kept page with its checkpointed content.</summary>
    public IReadOnlyList<(ulong Index, byte[] Bytes)> Pages() => _copies.Select(c => (c.Key, c.Value)).ToList();

    /// <summary>Keeps page <paramref name="index"/> (already kept, or room left) with <paramref name="bytes"/> as its checkpointed content; false when full.</summary>
    public bool TryKeep(ulong index, ReadOnlySpan<byte> bytes)
    {
        if (!_copies.TryGetValue(index, out var copy))
        {
            if (_copies.Count >= Capacity) return false;
            _copies[index] = copy = new byte[PageSize];
        }
        bytes.CopyTo(copy);
        return true;
    }

    /// <summary>Writes back every kept page that differs from its copy (a revert to the checkpoint).</summary>
    public void Restore(LinearMemory memory)
    {
        foreach (var (index, copy) in _copies)
        {
            var page = memory.Page(index, PageSize);
            if (!page.SequenceEqual(copy)) copy.CopyTo(page);
        }
    }

    /// <summary>Forgets every page (the instance's mappings were replaced, or it is no longer tracked this way).</summary>
    public void Clear() => _copies.Clear();
}
