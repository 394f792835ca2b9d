using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// One immutable image layer: either a base (a sparse file holding a whole memory of
/// <see cref="Length"/> bytes, zero pages as holes) or an overlay (some pages packed one after
/// another, each at a known slot of its file; a memory's later overlays may follow it in the same
/// file, see <see cref="LayerFile"/>). Written once at creation and never changed, so private
/// mappings of it stay coherent. Reference-counted by the images that use it; its file is removed
/// with the last layer in it (mappings made earlier stay valid: the kernel keeps an unlinked file
/// alive while it is mapped). The file is open only while some user reads or maps it
/// (<see cref="Open"/> … <see cref="Close"/>), so layers kept for later cost no descriptor.
/// </summary>
internal sealed class ImageLayer
{
    private const int PageSize = Storage.PageStore.PageSize;
    private const int WriteBatchPages = 64;
    private readonly LayerFile _file;
    private readonly (ulong Page, long Slot)[] _slots; // overlays only, sorted by page
    private int _references = 1;

    private ImageLayer(LayerFile file, bool isBase, ulong length, (ulong, long)[] slots, long diskBytes)
    {
        _file = file;
        file.AddReference();
        IsBase = isBase;
        Length = length;
        _slots = slots;
        DiskBytes = diskBytes;
        Runs = isBase ? (length == 0 ? 0 : 1) : PageRuns.OfSlots(slots).Count();
    }

    public string Path => _file.Path;
    public bool IsBase { get; }

    /// <summary>
    /// For a base: the bytes it covers, the memory's length or, when pages past the length are stored
    /// (they stay addressable, see <see cref="LinearMemory"/>), up to the end of the highest. For an
    /// overlay: the end of its highest page.
    /// </summary>
    public ulong Length { get; }

    /// <summary>Number of mmap calls mapping this layer costs.</summary>
    public int Runs { get; }

    /// <summary>Bytes the layer occupies on disk: the pages written (a base's zero pages are holes).</summary>
    public long DiskBytes { get; }

    /// <summary>
    /// Writes a base image: a sparse file of <paramref name="length"/> bytes (or up to the end of the
    /// highest non-zero page, if that is further) with <paramref name="pages"/> at their offsets.
    /// </summary>
    public static ImageLayer CreateBase(string path, ulong length, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        var file = Create(path);
        try
        {
            RandomAccess.SetLength(file, (long)length);
            long written = 0;
            ulong covered = length;
            // Consecutive pages go out in one write, up to WriteBatchPages (a dense memory's image was a write call per page).
            var run = ArrayPool<byte>.Shared.Rent(WriteBatchPages * PageSize);
            try
            {
                ulong first = 0;
                int count = 0;
                foreach (var (index, bytes) in pages)
                {
                    if (bytes.Span.IndexOfAnyExcept((byte)0) < 0) continue;
                    if (written == 0) Storage.PageStore.FaultPoint(Storage.StoreFault.ImageWrite);
                    if (count > 0 && (index != first + (ulong)count || count == WriteBatchPages))
                    {
                        RandomAccess.Write(file, run.AsSpan(0, count * PageSize), (long)(first * PageSize));
                        count = 0;
                    }
                    if (count == 0) first = index;
                    bytes.Span.CopyTo(run.AsSpan(count++ * PageSize, PageSize));
                    covered = Math.Max(covered, (index + 1) * PageSize);
                    written += PageSize;
                }
                if (count > 0) RandomAccess.Write(file, run.AsSpan(0, count * PageSize), (long)(first * PageSize));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(run);
            }
            return new ImageLayer(new LayerFile(path), isBase: true, covered, [], written); // nothing follows a base in its file
        }
        catch (Exception e)
        {
            File.Delete(path);
            if (ImageFileErrors.IsIOFailure(e)) throw ImageFileErrors.Failed("Writing", path, e);
            throw;
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>Writes an overlay in a new file: the given pages (ascending, distinct) packed one after another.</summary>
    /// <remarks>The bytes of each page are copied before the next is asked for, so a source may reuse one buffer.</remarks>
    public static ImageLayer CreateOverlay(string path, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        var file = Create(path);
        try
        {
            var slots = WritePacked(file, pages, 0);
            return Overlay(new LayerFile(path, slots.Length * (long)PageSize), slots);
        }
        catch (Exception e)
        {
            File.Delete(path);
            if (ImageFileErrors.IsIOFailure(e)) throw ImageFileErrors.Failed("Writing", path, e);
            throw;
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>
    /// Writes an overlay of <paramref name="pages"/> (ascending, distinct) into the file of
    /// <paramref name="after"/>, right after it, when <paramref name="after"/> is an overlay that still
    /// ends its file (so no new file is created); null otherwise.
    /// </summary>
    public static ImageLayer? AppendOverlay(ImageLayer after, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        if (after.IsBase || pages.Count == 0) return null;
        var shared = after._file;
        if (shared.TryClaimAfter(after, pages.Count * (long)PageSize) is not long start) return null;
        try
        {
            using var file = File.OpenHandle(shared.Path, FileMode.Open, FileAccess.Write);
            return Overlay(shared, WritePacked(file, pages, start));
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            // The claimed bytes stay unused (nothing follows them) until the file goes with its layers.
            throw ImageFileErrors.Failed("Writing", shared.Path, e);
        }
    }

    // Packs the pages from offset start, a batch at a time (one system call per WriteBatchPages pages); returns their slots.
    private static (ulong Page, long Slot)[] WritePacked(SafeFileHandle file, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages, long start)
    {
        var batch = ArrayPool<byte>.Shared.Rent(WriteBatchPages * PageSize);
        try
        {
            var slots = new List<(ulong, long)>();
            int batched = 0;
            foreach (var (index, bytes) in pages)
            {
                if (slots.Count == 0) Storage.PageStore.FaultPoint(Storage.StoreFault.ImageWrite);
                bytes.Span.CopyTo(batch.AsSpan(batched * PageSize, PageSize));
                slots.Add((index, start + (long)slots.Count * PageSize));
                if (++batched == WriteBatchPages)
                {
                    RandomAccess.Write(file, batch.AsSpan(0, batched * PageSize), start + (long)(slots.Count - batched) * PageSize);
                    batched = 0;
                }
            }
            if (batched > 0) RandomAccess.Write(file, batch.AsSpan(0, batched * PageSize), start + (long)(slots.Count - batched) * PageSize);
            return [.. slots];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    // An overlay of the slots just written at the end of its file, which it now ends.
    private static ImageLayer Overlay(LayerFile file, (ulong Page, long Slot)[] slots)
    {
        ulong end = slots.Length == 0 ? 0 : (slots[^1].Page + 1) * PageSize;
        var layer = new ImageLayer(file, isBase: false, end, slots, slots.Length * (long)PageSize);
        file.EndsWith(layer);
        return layer;
    }

    private static SafeFileHandle Create(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            throw ImageFileErrors.Failed("Creating", path, e);
        }
    }

    /// <summary>The pages an overlay holds, ascending (none for a base).</summary>
    public IEnumerable<ulong> OverlayPages => _slots.Select(s => s.Page);

    /// <summary>Starts a use: the file is opened (read-only: private mappings need no more) by the first user.</summary>
    public void Open() => _file.Open();

    /// <summary>Ends a use: the last user closes the file (mappings made from it stay valid).</summary>
    public void Close() => _file.Close();

    private SafeFileHandle OpenHandle => _file.Handle;

    /// <summary>
    /// Maps the layer privately over the memory at <paramref name="address"/> (while open), up to its
    /// <paramref name="capacity"/>: stored pages past it (legal in a snapshot, unreachable by the
    /// contract, whose accesses there trap) are not mapped, so nothing lands outside the memory.
    /// </summary>
    public void MapInto(nint address, ulong capacity)
    {
        int fd = (int)OpenHandle.DangerousGetHandle();
        if (IsBase)
        {
            ulong length = Math.Min(Length, capacity);
            if (length > 0) Posix.MapPrivateFixed(address, length, fd, 0);
            return;
        }
        foreach (var (page, slot, count) in PageRuns.OfSlots(_slots))
        {
            ulong start = page * PageSize;
            if (start >= capacity) break;
            ulong length = Math.Min((ulong)count * PageSize, capacity - start);
            Posix.MapPrivateFixed(address + (nint)start, length, fd, slot);
        }
    }

    /// <summary>Reads page <paramref name="index"/> if this layer holds it (while open).</summary>
    public bool TryRead(ulong index, Span<byte> destination)
    {
        long offset;
        if (IsBase)
        {
            if ((index + 1) * PageSize > Length) return false;
            offset = (long)(index * PageSize);
        }
        else
        {
            int at = Array.BinarySearch(_slots, (index, 0L), SlotComparer.Instance);
            if (at < 0) return false;
            offset = _slots[at].Slot;
        }
        int read;
        try
        {
            read = RandomAccess.Read(OpenHandle, destination, offset);
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            throw ImageFileErrors.Failed("Reading", Path, e);
        }
        destination[read..].Clear(); // a hole at the end of a sparse file reads short
        return true;
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops a reference; the last one releases the file, removed with the last layer in it (their users, who hold references too, are gone by then).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) _file.Release();
    }

    private sealed class SlotComparer : IComparer<(ulong Page, long Slot)>
    {
        public static readonly SlotComparer Instance = new();
        public int Compare((ulong Page, long Slot) x, (ulong Page, long Slot) y) => x.Page.CompareTo(y.Page);
    }
}
