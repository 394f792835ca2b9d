using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Piecrust.Tools;

/// <summary>
/// Reads a file named on the command line with a cap: never more than the cap is read or held, so a
/// device such as /dev/zero or a file of any size costs at most the cap; pipes and sockets are
/// refused (opening a FIFO without blocking, on Linux), since they have no end to wait for.
/// </summary>
internal static partial class InputFile
{
    private const int ChunkStart = 4096;

    /// <summary>
    /// The bytes of <paramref name="path"/>, at most <paramref name="cap"/> of them;
    /// <paramref name="capReason"/> tells the user why there is a cap (e.g. "a page is 4096 bytes").
    /// </summary>
    /// <exception cref="UsageException">The file cannot be opened or read, is not a file, or is larger than the cap.</exception>
    public static byte[] Read(string path, string what, int cap, string capReason)
    {
        try
        {
            using var stream = new FileStream(Open(path), FileAccess.Read, bufferSize: 0);
            if (!stream.CanSeek)
                throw new UsageException($"{what}: '{path}' is a pipe, socket or terminal, not a file; save the input to a file first.");
            long length = stream.Length; // 0 for devices and /proc files, whose size shows only by reading
            if (length > cap) throw TooLarge(what, path, cap, capReason);
            return ReadCapped(stream, (int)length, cap) ?? throw TooLarge(what, path, cap, capReason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what}: cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads to the end, allocating <paramref name="expected"/> bytes first and growing by doubling; null past <paramref name="cap"/>.</summary>
    private static byte[]? ReadCapped(Stream stream, int expected, int cap)
    {
        var buffer = new byte[expected];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                // Full: one more byte either ends the file or means it goes on past what we allocated.
                int next = stream.ReadByte();
                if (next < 0) return buffer;
                if (buffer.Length == cap) return null;
                Array.Resize(ref buffer, (int)Math.Min(cap, Math.Max(ChunkStart, 2L * buffer.Length)));
                buffer[filled++] = (byte)next;
                continue;
            }
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0) return filled == buffer.Length ? buffer : buffer[..filled];
            filled += read;
        }
    }

    private static UsageException TooLarge(string what, string path, int cap, string capReason) =>
        new($"{what}: '{path}' is larger than {Format.Size(cap)} ({cap:N0} bytes), the most it may be: {capReason}.");

    private static SafeFileHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux()) return File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        // O_NONBLOCK so that opening a FIFO with no writer returns at once (and is then refused as
        // unseekable) instead of waiting for one; reads of files and devices ignore it.
        int fd = OpenNative(path, ORdOnly | ONonBlock | OCloExec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENoEnt or ENotDir) throw new FileNotFoundException($"Could not find file '{Path.GetFullPath(path)}'.", path);
            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    // Linux's values (the same on x86-64 and arm64).
    private const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000, ENoEnt = 2, ENotDir = 20;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);
}
