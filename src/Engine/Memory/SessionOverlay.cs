using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// A session's private, append-only file of one contract's checkpointed pages: each checkpoint
/// appends the pages a call changed and maps them over the memory, so they become clean file pages
/// again and the next scan sees only later writes. Slots are never rewritten (a private mapping of a
/// slot must never see a later file write), and the file is unlinked at creation so nothing is left
/// behind. Used by one session thread.
/// </summary>
internal sealed class SessionOverlay : IDisposable
{
    private const int PageSize = Storage.PageStore.PageSize;
    private readonly string _path;
    private readonly Dictionary<ulong, long> _slots = new();
    private SafeFileHandle? _handle;
    private long _end;

    /// <summary>An overlay whose file is created at <paramref name="path"/> on the first write (most sessions never write).</summary>
    public SessionOverlay(string path) => _path = path;

    private SafeFileHandle Backing
    {
        get
        {
            if (_handle is null)
            {
                try
                {
                    _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite);
                    File.Delete(_path);
                }
                catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
                {
                    throw ImageFileErrors.Failed("Creating", _path, e);
                }
            }
            return _handle;
        }
    }

    /// <summary>Pages held (their latest slot counts).</summary>
    public int Count => _slots.Count;

    /// <summary>Slots written, including superseded ones: the file's size in pages.</summary>
    public long SlotsUsed => _end / PageSize;

    /// <summary>Appends pages (ascending) and maps them over the memory at <paramref name="address"/>.</summary>
    public void AppendAndMap(nint address, IReadOnlyList<(ulong Index, byte[] Bytes)> pages)
    {
        if (pages.Count == 0) return;
        var written = new (ulong Page, long Slot)[pages.Count];
        for (int i = 0; i < pages.Count; i++)
        {
            Write(pages[i].Bytes);
            _slots[pages[i].Index] = _end;
            written[i] = (pages[i].Index, _end);
            _end += PageSize;
        }
        int fd = (int)Backing.DangerousGetHandle();
        foreach (var (page, slot, count) in PageRuns.OfSlots(written))
            Posix.MapPrivateFixed(address + (nint)(page * PageSize), (ulong)count * PageSize, fd, slot);
    }

    /// <summary>Appends pages without mapping them (for a memory whose base moved and is no longer mapped).</summary>
    public void Append(IReadOnlyList<(ulong Index, byte[] Bytes)> pages)
    {
        foreach (var (index, bytes) in pages)
        {
            Write(bytes);
            _slots[index] = _end;
            _end += PageSize;
        }
    }

    /// <summary>Mappings <see cref="MapAll"/> would make.</summary>
    public int Runs => PageRuns.OfSlots(SortedSlots()).Count();

    /// <summary>Copies every page held into <paramref name="memory"/> instead of mapping it (no mappings used).</summary>
    public void CopyInto(LinearMemory memory)
    {
        var page = new byte[PageSize];
        foreach (var (index, slot) in _slots)
        {
            Read(page, slot);
            if (!memory.TryWrite(index * PageSize, page))
                throw new InvalidOperationException($"Overlay page {index} lies outside the instance's {memory.Length} bytes.");
        }
    }

    /// <summary>Maps every page held over the memory at <paramref name="address"/> (after a fresh instantiation).</summary>
    public void MapAll(nint address)
    {
        if (_slots.Count == 0) return; // no file yet, and none needed
        int fd = (int)Backing.DangerousGetHandle();
        foreach (var (page, slot, count) in PageRuns.OfSlots(SortedSlots()))
            Posix.MapPrivateFixed(address + (nint)(page * PageSize), (ulong)count * PageSize, fd, slot);
    }

    private (ulong Page, long Slot)[] SortedSlots() => _slots.OrderBy(s => s.Key).Select(s => (s.Key, s.Value)).ToArray();

    public bool TryRead(ulong index, Span<byte> destination)
    {
        if (!_slots.TryGetValue(index, out long slot)) return false;
        Read(destination, slot);
        return true;
    }

    private void Write(ReadOnlySpan<byte> page)
    {
        try
        {
            RandomAccess.Write(Backing, page, _end);
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            throw ImageFileErrors.Failed("Writing", _path, e);
        }
    }

    private void Read(Span<byte> destination, long slot)
    {
        try
        {
            RandomAccess.Read(Backing, destination, slot);
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            throw ImageFileErrors.Failed("Reading", _path, e);
        }
    }

    public void Dispose() => _handle?.Dispose();
}
