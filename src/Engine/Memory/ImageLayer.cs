using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// One immutable image file: either a base (a sparse file holding a whole memory of
/// <see cref="Length"/> bytes, zero pages as holes) or an overlay (a packed file of some pages,
/// each at a known slot). Written once at creation and never changed, so private mappings of it
/// stay coherent. Reference-counted by the images that use it; the file is removed with the last one
/// (mappings made earlier stay valid: the kernel keeps an unlinked file alive while it is mapped).
/// The file is open only while some user reads or maps it (<see cref="Open"/> … <see cref="Close"/>),
/// so layers kept for later cost no descriptor.
/// </summary>
internal sealed class ImageLayer
{
    private const int PageSize = Storage.PageStore.PageSize;
    private readonly (ulong Page, long Slot)[] _slots; // overlays only, sorted by page
    private readonly object _gate = new();
    private SafeFileHandle? _file; // open while _users > 0
    private int _users;
    private int _references = 1;

    private ImageLayer(string path, bool isBase, ulong length, (ulong, long)[] slots, long diskBytes)
    {
        Path = path;
        IsBase = isBase;
        Length = length;
        _slots = slots;
        DiskBytes = diskBytes;
    }

    public string Path { get; }
    public bool IsBase { get; }

    /// <summary>
    /// For a base: the bytes it covers, the memory's length or, when pages past the length are stored
    /// (they stay addressable, see <see cref="LinearMemory"/>), up to the end of the highest. For an
    /// overlay: the end of its highest page.
    /// </summary>
    public ulong Length { get; }

    /// <summary>Number of mmap calls mapping this layer costs.</summary>
    public int Runs { get; private set; }

    /// <summary>Bytes the file occupies on disk: the pages written (a base's zero pages are holes).</summary>
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
            foreach (var (index, bytes) in pages)
            {
                if (bytes.Span.IndexOfAnyExcept((byte)0) < 0) continue;
                RandomAccess.Write(file, bytes.Span, (long)(index * PageSize));
                covered = Math.Max(covered, (index + 1) * PageSize);
                if (written == 0) Storage.PageStore.FaultPoint(Storage.StoreFault.ImageWrite);
                written += PageSize;
            }
            return new ImageLayer(path, isBase: true, covered, [], written) { Runs = covered == 0 ? 0 : 1 };
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

    /// <summary>Writes an overlay: the given pages (ascending, distinct) packed one after another.</summary>
    /// <remarks>The bytes of each page are written before the next is asked for, so a source may reuse one buffer.</remarks>
    public static ImageLayer CreateOverlay(string path, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        var file = Create(path);
        try
        {
            var slots = new List<(ulong, long)>();
            ulong end = 0;
            foreach (var (index, bytes) in pages)
            {
                long slot = (long)slots.Count * PageSize;
                RandomAccess.Write(file, bytes.Span, slot);
                if (slots.Count == 0) Storage.PageStore.FaultPoint(Storage.StoreFault.ImageWrite);
                slots.Add((index, slot));
                end = (index + 1) * PageSize;
            }
            var packed = slots.ToArray();
            return new ImageLayer(path, isBase: false, end, packed, packed.Length * (long)PageSize) { Runs = PageRuns.OfSlots(packed).Count() };
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
    public void Open()
    {
        lock (_gate)
        {
            // Counted only once open: a failed open (no descriptor left, a removed file) leaves no
            // user behind, so the caller's rollback closes exactly what opened and a later use retries.
            if (_users == 0)
            {
                try
                {
                    _file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
                }
                catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
                {
                    throw ImageFileErrors.Failed("Opening", Path, e);
                }
            }
            _users++;
        }
    }

    /// <summary>Ends a use: the last user closes the file (mappings made from it stay valid).</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (--_users > 0) return;
            _file!.Dispose();
            _file = null;
        }
    }

    private SafeFileHandle OpenHandle => _file ?? throw new InvalidOperationException($"Image layer {Path} is read or mapped without being open.");

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

    /// <summary>Drops a reference; the last one removes the file (its users, who hold references too, are gone by then).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        try { File.Delete(Path); }
        catch (IOException) { /* the images directory is cleared on the next open */ }
    }

    private sealed class SlotComparer : IComparer<(ulong Page, long Slot)>
    {
        public static readonly SlotComparer Instance = new();
        public int Compare((ulong Page, long Slot) x, (ulong Page, long Slot) y) => x.Page.CompareTo(y.Page);
    }
}
