using System.Buffers;

namespace Piecrust.Memory;

/// <summary>
/// An instance's memory as it was when a sub-call began, for undoing that sub-call in place if it
/// fails. On both memory paths a page the process has no private copy of shows its underlying mapping
/// (the committed image and checkpointed overlay, or zeros), and nothing remaps a memory while a call
/// runs: so only the pages that are private at the mark need their bytes kept. Undoing drops the
/// private copies made since (they show the mapping again) and writes the kept pages back.
/// Cost: one page-table scan and a copy of the pages private at the mark (those written since the
/// last checkpoint); the undo adds one scan and the pages written since the mark.
/// Where nothing is mapped under the memory (the plain path, <see cref="ContractMemory.AnonymousOnly"/>)
/// every such page reads as zeros: all-zero pages are not kept, and the pages written since are
/// zeroed in place rather than dropped, which spares a TLB flush and the page faults that would copy
/// them in again at the next failure (they stay populated: pages a call wrote, paid for with gas).
/// The kept pages live in pooled buffers: <see cref="Release"/> gives them back once the mark is no
/// longer needed, so a call with many sub-calls reuses the same few buffers.
/// </summary>
internal sealed class MemoryMark
{
    private const int PageSize = Storage.PageStore.PageSize;

    private readonly ulong _length;
    private readonly bool _zeroUnderneath;
    private readonly int _count;
    private ulong[]? _indices; // rented; the first _count ascending, null once released
    private byte[]? _bytes; // rented; page i of _indices at [i * PageSize, +PageSize)

    private MemoryMark(ulong length, bool zeroUnderneath, int count, ulong[] indices, byte[] bytes)
    {
        _length = length;
        _zeroUnderneath = zeroUnderneath;
        _count = count;
        _indices = indices;
        _bytes = bytes;
    }

    /// <summary>Pages the mark keeps (private copies at the time it was taken; on an anonymous memory, the non-zero ones).</summary>
    public int KeptPages => _count;

    /// <summary>
    /// Marks <paramref name="memory"/> as it is now; <paramref name="anonymousOnly"/> when nothing is
    /// mapped under it (a page without a private copy reads as zeros); <paramref name="scratch"/> is working space (cleared).
    /// </summary>
    public static MemoryMark Take(LinearMemory memory, bool anonymousOnly, List<ulong> scratch)
    {
        scratch.Clear();
        DirtyPageScanner.Scan(memory.Address, memory.Capacity / PageSize, scratch);
        var indices = ArrayPool<ulong>.Shared.Rent(scratch.Count);
        var bytes = ArrayPool<byte>.Shared.Rent(scratch.Count * PageSize);
        int count = 0;
        foreach (ulong index in scratch)
        {
            var page = memory.Page(index, PageSize);
            // Undoing zeroes every private page it does not write back: a zero page needs no keeping.
            if (anonymousOnly && page.IndexOfAnyExcept((byte)0) < 0) continue;
            indices[count] = index;
            page.CopyTo(bytes.AsSpan(count * PageSize, PageSize));
            count++;
        }
        return new MemoryMark(memory.Length, anonymousOnly, count, indices, bytes);
    }

    /// <summary>Makes <paramref name="memory"/> (the one marked) show exactly what it showed at the mark, length included.</summary>
    /// <exception cref="InvalidOperationException">The mark was released.</exception>
    public void Restore(LinearMemory memory, List<ulong> scratch)
    {
        var indices = _indices ?? throw new InvalidOperationException("A released memory mark was restored.");
        var bytes = _bytes!;
        scratch.Clear();
        DirtyPageScanner.Scan(memory.Address, memory.Capacity / PageSize, scratch);
        // Private pages not kept (both lists ascending): back to what they showed at the mark.
        int kept = 0;
        ulong runStart = 0, runLength = 0;
        foreach (ulong index in scratch)
        {
            while (kept < _count && indices[kept] < index) kept++;
            if (kept < _count && indices[kept] == index) continue;
            if (_zeroUnderneath)
            {
                var page = memory.Page(index, PageSize);
                if (page.IndexOfAnyExcept((byte)0) >= 0) page.Clear();
            }
            else if (runLength > 0 && index == runStart + runLength)
            {
                runLength++;
            }
            else
            {
                Discard(memory, runStart, runLength);
                (runStart, runLength) = (index, 1);
            }
        }
        Discard(memory, runStart, runLength);
        for (int i = 0; i < _count; i++)
        {
            var keptBytes = bytes.AsSpan(i * PageSize, PageSize);
            var page = memory.Page(indices[i], PageSize);
            if (!page.SequenceEqual(keptBytes)) keptBytes.CopyTo(page);
        }
        memory.SetLength(_length);
    }

    /// <summary>Gives the kept pages' buffers back to the pool: the mark can no longer be restored. Idempotent.</summary>
    public void Release()
    {
        if (_indices is null) return;
        ArrayPool<ulong>.Shared.Return(_indices);
        ArrayPool<byte>.Shared.Return(_bytes!);
        _indices = null;
        _bytes = null;
    }

    /// <summary>Drops the private copies of a run of pages: they show the mapping under them again.</summary>
    private static void Discard(LinearMemory memory, ulong start, ulong count)
    {
        if (count > 0) Posix.DiscardPrivatePages(memory.Address + (nint)(start * PageSize), count * PageSize);
    }
}
