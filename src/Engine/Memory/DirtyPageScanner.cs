using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// Finds the pages of a range that hold private (copy-on-write or anonymous) data, from the
/// kernel's page tables: with the PAGEMAP_SCAN ioctl where the kernel has it (6.7+), otherwise by
/// reading /proc/self/pagemap. A page counts when it is present or swapped, not file-backed and
/// not the shared zero page. Untouched and merely read file pages never count, so no page is
/// hashed or compared unless it was written (or, in anonymous regions, read: callers compare
/// contents to drop those). Thread-safe.
/// </summary>
internal static unsafe class DirtyPageScanner
{
    private const int PageSize = 4096;
    private const ulong PagemapScan = 0xC0606610;
    private const ulong IsFile = 1 << 2, IsPresent = 1 << 3, IsSwapped = 1 << 4, IsPfnZero = 1 << 5;

    private static readonly SafeFileHandle Pagemap = File.OpenHandle("/proc/self/pagemap", FileMode.Open, FileAccess.Read);
    private static bool _scanUnsupported;
    private static readonly Lazy<bool> InKernel = new(ProbeIoctl);

    /// <summary>
    /// True when the kernel answers PAGEMAP_SCAN (Linux 6.7+): a scan then costs the page tables it
    /// walks (few for a sparse memory), not a read of 8 bytes of /proc/self/pagemap per page of the range.
    /// </summary>
    public static bool ScansInKernel => InKernel.Value;

    private static bool ProbeIoctl()
    {
        void* page = NativeMemory.AlignedAlloc(PageSize, PageSize);
        try
        {
            *(byte*)page = 1;
            return !_scanUnsupported && TryScanIoctl((nint)page, 1, new List<ulong>(), IsFile | IsPfnZero);
        }
        finally
        {
            NativeMemory.AlignedFree(page);
        }
    }

    /// <summary>Adds the index (relative to <paramref name="start"/>) of every private page in <c>[start, start + pages·4096)</c>.</summary>
    public static void Scan(nint start, ulong pages, List<ulong> dirty)
    {
        if (pages == 0) return;
        if (!_scanUnsupported && TryScanIoctl(start, pages, dirty, IsFile | IsPfnZero)) return;
        ScanPagemap(start, pages, dirty, privateOnly: true);
    }

    /// <summary>Adds every page in the range the kernel has populated at all (present or swapped); the others read as zeros.</summary>
    public static void ScanPopulated(nint start, ulong pages, List<ulong> populated)
    {
        if (pages == 0) return;
        if (!_scanUnsupported && TryScanIoctl(start, pages, populated, 0)) return;
        ScanPagemap(start, pages, populated, privateOnly: false);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ScanArgument
    {
        public ulong Size, Flags, Start, End, WalkEnd, Vector, VectorLength, MaxPages;
        public ulong CategoryInverted, CategoryMask, CategoryAnyOf, ReturnMask;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PageRegion
    {
        public ulong Start, End, Categories;
    }

    private static bool TryScanIoctl(nint start, ulong pages, List<ulong> dirty, ulong excluded)
    {
        const int Regions = 256;
        var regions = stackalloc PageRegion[Regions];
        ulong end = (ulong)start + pages * PageSize;
        ulong from = (ulong)start;
        while (from < end)
        {
            var argument = new ScanArgument
            {
                Size = (ulong)sizeof(ScanArgument),
                Start = from,
                End = end,
                Vector = (ulong)regions,
                VectorLength = Regions,
                CategoryInverted = excluded,
                CategoryMask = excluded,
                CategoryAnyOf = IsPresent | IsSwapped,
                ReturnMask = IsPresent | IsSwapped | IsFile | IsPfnZero,
            };
            int count = Posix.ioctl((int)Pagemap.DangerousGetHandle(), PagemapScan, (nint)(&argument));
            if (count < 0)
            {
                if (dirty.Count > 0 || from != (ulong)start)
                    throw Posix.Failed("ioctl(PAGEMAP_SCAN) midway through a memory");
                _scanUnsupported = true;
                return false;
            }
            for (int i = 0; i < count; i++)
                for (ulong page = regions[i].Start; page < regions[i].End; page += PageSize)
                    dirty.Add((page - (ulong)start) / PageSize);
            if (argument.WalkEnd <= from) break;
            from = argument.WalkEnd;
        }
        return true;
    }

    private static void ScanPagemap(nint start, ulong pages, List<ulong> dirty, bool privateOnly)
    {
        const ulong Present = 1UL << 63, Swapped = 1UL << 62, FilePage = 1UL << 61, Exclusive = 1UL << 56;
        var entries = new ulong[4096];
        ulong first = (ulong)start / PageSize;
        for (ulong done = 0; done < pages;)
        {
            int batch = (int)Math.Min((ulong)entries.Length, pages - done);
            var bytes = MemoryMarshal.AsBytes(entries.AsSpan(0, batch));
            int read = RandomAccess.Read(Pagemap, bytes, (long)((first + done) * 8));
            if (read != bytes.Length) throw new EngineResourceException($"Reading /proc/self/pagemap returned {read} of {bytes.Length} bytes.");
            for (int i = 0; i < batch; i++)
            {
                ulong entry = entries[i];
                bool matches = privateOnly
                    ? (entry & FilePage) == 0 && ((entry & Swapped) != 0 || (entry & (Present | Exclusive)) == (Present | Exclusive))
                    : (entry & (Present | Swapped)) != 0;
                if (matches) dirty.Add(done + (ulong)i);
            }
            done += (ulong)batch;
        }
    }
}
