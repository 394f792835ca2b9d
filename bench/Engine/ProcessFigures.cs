using System.Runtime.InteropServices;

namespace Piecrust.Bench.Engine;

/// <summary>
/// What the process holds, from /proc: open descriptors, memory mappings, and the disk space of a
/// store's memory images (files in <c>&lt;store&gt;/images</c>, by allocated blocks: sparse holes cost nothing).
/// </summary>
public readonly record struct ProcessFigures(int Descriptors, int Mappings, long ImageBytes)
{
    /// <summary>Measures now, for the store in <paramref name="storeDirectory"/>.</summary>
    public static ProcessFigures Measure(string storeDirectory)
    {
        string images = Path.Combine(storeDirectory, "images");
        long bytes = Directory.Exists(images) ? Directory.EnumerateFiles(images).Sum(AllocatedBytes) : 0;
        return new(Directory.EnumerateFiles("/proc/self/fd").Count(), File.ReadLines("/proc/self/maps").Count(), bytes);
    }

    private static long AllocatedBytes(string path)
    {
        // struct stat: st_blocks (512-byte units) is at offset 64 on x86-64 and arm64 Linux.
        Span<byte> stat = stackalloc byte[256];
        return Stat(path, ref MemoryMarshal.GetReference(stat)) == 0 ? 512 * BitConverter.ToInt64(stat[64..72]) : 0;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer);
}
