using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// One immutable image file: either a base (a sparse file holding a whole memory of
/// <see cref="Length"/> bytes, zero pages as holes) or an overlay (a packed file of some pages,
/// each at a known slot). Written once at creation and never changed, so private mappings of it
/// stay coherent. Reference-counted by the images that use it; the file is removed with the last one
/// (mappings made earlier stay valid: the kernel keeps an unlinked file alive while it is mapped).
/// </summary>
internal sealed class ImageLayer
{
    private const int PageSize = Storage.PageStore.PageSize;
    private readonly SafeFileHandle _file;
    private readonly (ulong Page, long Slot)[] _slots; // overlays only, sorted by page
    private int _references = 1;

    private ImageLayer(string path, SafeFileHandle file, bool isBase, ulong length, (ulong, long)[] slots)
    {
        Path = path;
        _file = file;
        IsBase = isBase;
        Length = length;
        _slots = slots;
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

    public long FileBytes => IsBase ? (long)Length : _slots.Length * (long)PageSize;

    /// <summary>
    /// Writes a base image: a sparse file of <paramref name="length"/> bytes (or up to the end of the
    /// highest non-zero page, if that is further) with <paramref name="pages"/> at their offsets.
    /// </summary>
    public static ImageLayer CreateBase(string path, ulong length, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        try
        {
            RandomAccess.SetLength(file, (long)length);
            bool first = true;
            ulong covered = length;
            foreach (var (index, bytes) in pages)
            {
                if (bytes.Span.IndexOfAnyExcept((byte)0) < 0) continue;
                RandomAccess.Write(file, bytes.Span, (long)(index * PageSize));
                covered = Math.Max(covered, (index + 1) * PageSize);
                if (first) Storage.PageStore.FaultPoint(Storage.StoreFault.ImageWrite);
                first = false;
            }
            return new ImageLayer(path, file, isBase: true, covered, []) { Runs = covered == 0 ? 0 : 1 };
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Writes an overlay: the given pages (ascending, distinct) packed one after another.</summary>
    /// <remarks>The bytes of each page are written before the next is asked for, so a source may reuse one buffer.</remarks>
    public static ImageLayer CreateOverlay(string path, IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> pages)
    {
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
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
            return new ImageLayer(path, file, isBase: false, end, packed) { Runs = PageRuns.OfSlots(packed).Count() };
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>The pages an overlay holds, ascending (none for a base).</summary>
    public IEnumerable<ulong> OverlayPages => _slots.Select(s => s.Page);

    /// <summary>
    /// Maps the layer privately over the memory at <paramref name="address"/>, up to its
    /// <paramref name="capacity"/>: stored pages past it (legal in a snapshot, unreachable by the
    /// contract, whose accesses there trap) are not mapped, so nothing lands outside the memory.
    /// </summary>
    public void MapInto(nint address, ulong capacity)
    {
        int fd = (int)_file.DangerousGetHandle();
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

    /// <summary>Reads page <paramref name="index"/> if this layer holds it.</summary>
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
        int read = RandomAccess.Read(_file, destination, offset);
        destination[read..].Clear(); // a hole at the end of a sparse file reads short
        return true;
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _file.Dispose();
        try { File.Delete(Path); }
        catch (IOException) { /* the images directory is cleared on the next open */ }
    }

    private sealed class SlotComparer : IComparer<(ulong Page, long Slot)>
    {
        public static readonly SlotComparer Instance = new();
        public int Compare((ulong Page, long Slot) x, (ulong Page, long Slot) y) => x.Page.CompareTo(y.Page);
    }
}
