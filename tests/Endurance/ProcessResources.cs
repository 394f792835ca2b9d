using System.Runtime.InteropServices;

namespace Piecrust.Tests.Endurance;

/// <summary>
/// What this process holds, read from /proc: open file descriptors, memory mappings, and the disk
/// space of a VM's memory images — the files in <c>&lt;store&gt;/images</c> plus image files already
/// removed but still kept alive by a descriptor or a mapping (they hold their space until then).
/// </summary>
internal readonly record struct ProcessResources(
    int Descriptors, int ImageDescriptors, int Mappings, int ImageMappings, int MappedImageFiles, int RemovedImageFiles, int ImageFiles, long ImageBytes, long RemovedImageBytes)
{
    /// <summary>Image bytes on disk, including removed files still held open or mapped.</summary>
    public long AllImageBytes => ImageBytes + RemovedImageBytes;

    public static ProcessResources Measure(string storeDirectory)
    {
        string images = Path.Combine(storeDirectory, "images") + "/";
        int descriptors = 0, imageDescriptors = 0;
        var removed = new Dictionary<string, long>(StringComparer.Ordinal); // by target, so a file counts once
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            descriptors++;
            string? target = ReadLink(fd);
            if (target is null || !target.StartsWith(images, StringComparison.Ordinal)) continue;
            imageDescriptors++;
            if (target.EndsWith(" (deleted)", StringComparison.Ordinal)) removed.TryAdd(target, AllocatedBytes(fd));
        }
        int mappings = 0, imageMappings = 0;
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            mappings++;
            int at = line.IndexOf(images, StringComparison.Ordinal);
            if (at < 0) continue;
            imageMappings++;
            string target = line[at..];
            mapped.Add(target);
            if (target.EndsWith(" (deleted)", StringComparison.Ordinal) && !removed.ContainsKey(target))
                removed[target] = AllocatedBytes("/proc/self/map_files/" + line[..line.IndexOf(' ')]);
        }
        Piecrust.Memory.FileReaper.Drain(); // files let go are removed off the thread that let them go
        var files = Directory.Exists(images) ? Directory.GetFiles(images) : [];
        return new(descriptors, imageDescriptors, mappings, imageMappings, mapped.Count, removed.Count, files.Length,
            files.Sum(AllocatedBytes), removed.Values.Sum());
    }

    public override string ToString() =>
        $"fds {Descriptors} (images {ImageDescriptors}), mappings {Mappings} (images {ImageMappings} of {MappedImageFiles} files), " +
        $"image files {ImageFiles} ({ImageBytes:N0} B) + removed but held {RemovedImageFiles} ({RemovedImageBytes:N0} B)";

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed meanwhile (the enumeration's own descriptor, or another thread's)
        }
    }

    /// <summary>Blocks the file occupies (sparse holes cost nothing), following symbolic links; 0 when it is gone.</summary>
    private static long AllocatedBytes(string path)
    {
        // struct stat is 144 bytes on x86-64 and 128 on arm64 Linux; st_blocks (512-byte units) is at offset 64 on both.
        Span<byte> stat = stackalloc byte[256];
        return Stat(path, ref MemoryMarshal.GetReference(stat)) == 0 ? 512 * BitConverter.ToInt64(stat[64..72]) : 0;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer);
}
