using System.Runtime.InteropServices;

namespace Piecrust.Memory;

/// <summary>The few Linux calls the mapped memory path needs, each wrapped small; errors become <see cref="EngineResourceException"/>.</summary>
internal static partial class Posix
{
    public const int ProtRead = 1, ProtWrite = 2;
    private const int MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const int MadvDontNeed = 4, MadvNoHugePage = 15, MadvPopulateWrite = 23;
    private const int ENOMEM = 12;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, nint argument);

    /// <summary>
    /// Maps <paramref name="length"/> bytes of a file privately (copy-on-write) exactly at <paramref name="address"/>,
    /// without swap-space reservation (see <see cref="MapZeros"/>): an image may span terabytes of which few pages are written.
    /// </summary>
    public static void MapPrivateFixed(nint address, ulong length, int fd, long fileOffset)
    {
        nint result = mmap(address, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapFixed | MapNoReserve, fd, fileOffset);
        if (result != address)
            throw Failed($"mmap of {length} bytes of a memory image at 0x{address:x}");
    }

    /// <summary>
    /// Replaces whatever is mapped at <c>[address, address + length)</c> with fresh zero pages, read-write,
    /// in one call: files mapped there are unmapped and populated pages freed. Without swap-space
    /// reservation (as Wasmtime maps memories): a memory spans up to 4 TiB, of which only written
    /// pages ever take RAM, and reserving it all would fail under the kernel's overcommit heuristic.
    /// </summary>
    public static void MapZeros(nint address, ulong length)
    {
        if (length == 0) return;
        nint result = mmap(address, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapFixed | MapAnonymous | MapNoReserve, -1, 0);
        if (result != address)
            throw Failed($"mmap of {length} zero bytes at 0x{address:x}");
    }

    /// <summary>Drops private copies of pages: they read from their file (or as zeros) again.</summary>
    public static void DiscardPrivatePages(nint address, ulong length)
    {
        if (madvise(address, (nuint)length, MadvDontNeed) != 0)
            throw Failed($"madvise(DONTNEED) of {length} bytes at 0x{address:x}");
    }

    /// <summary>
    /// Faults a range in as if each page were written (private mappings get their copies, content
    /// unchanged), touching no byte. Best effort: nothing depends on it, so a kernel without
    /// MADV_POPULATE_WRITE (before Linux 5.14) or short of memory leaves the range as it was.
    /// </summary>
    public static void PopulateWrite(nint address, ulong length)
    {
        if (length > 0) madvise(address, (nuint)length, MadvPopulateWrite);
    }

    /// <summary>Keeps transparent huge pages off a range, so dirty tracking stays at 4 KiB granularity (best effort).</summary>
    public static void NoHugePages(nint address, ulong length) => madvise(address, (nuint)length, MadvNoHugePage);

    /// <summary>The error for a failed call, from errno: ENOMEM from mmap usually means the process reached vm.max_map_count.</summary>
    public static EngineResourceException Failed(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        string hint = errno == ENOMEM
            ? "; the process may have reached its limit of memory mappings (sysctl vm.max_map_count) or run out of address space or memory"
            : "";
        return new EngineResourceException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}){hint}.");
    }
}
