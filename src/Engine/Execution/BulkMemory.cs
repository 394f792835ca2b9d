using System.Runtime.InteropServices;
using Piecrust.Memory;

namespace Piecrust.Execution;

/// <summary>
/// The bulk-memory operators as the host does them for contracts (see <c>GasTransform</c>), with the
/// WebAssembly semantics except for one bound, as piecrust 0.32 has it: ranges are checked against the
/// memory's maximum size (<see cref="LinearMemory.Capacity"/>), not its current length, like loads and
/// stores (bytes past the length are persisted state). Every bound is checked before anything is
/// written (a zero-length operation at the very end is in bounds, one past it is not), overlapping
/// copies behave as if through a temporary buffer, and operands are unsigned (i32 for a 32-bit
/// memory, i64 for a 64-bit one). A false result means the operator traps.
/// </summary>
internal static unsafe class BulkMemory
{
    public const ulong PageSize = 65536;

    public static bool Copy(LinearMemory memory, ulong destination, ulong source, ulong length)
    {
        ulong size = memory.Capacity;
        if (!Inside(size, source, length) || !Inside(size, destination, length)) return false;
        if (length == 0) return true;
        byte* start = (byte*)memory.Address;
        // Buffer.MemoryCopy is a memmove: overlapping ranges copy as if through a temporary buffer.
        Buffer.MemoryCopy(start + source, start + destination, length, length);
        return true;
    }

    public static bool Fill(LinearMemory memory, ulong destination, byte value, ulong length)
    {
        if (!Inside(memory.Capacity, destination, length)) return false;
        if (length == 0) return true;
        NativeMemory.Fill((byte*)memory.Address + destination, (nuint)length, value);
        return true;
    }

    /// <summary><c>memory.init</c> from <paramref name="segment"/> (empty once dropped; active segments are dropped at instantiation).</summary>
    public static bool Init(LinearMemory memory, ReadOnlySpan<byte> segment, ulong destination, uint source, uint length)
    {
        if (!Inside((ulong)segment.Length, source, length) || !Inside(memory.Capacity, destination, length)) return false;
        if (length == 0) return true;
        segment.Slice((int)source, (int)length).CopyTo(new Span<byte>((byte*)memory.Address + destination, (int)length));
        return true;
    }

    /// <summary><c>memory.grow</c>: the old size in pages, or -1 when the memory cannot grow by <paramref name="pages"/>.</summary>
    public static long Grow(LinearMemory memory, ulong pages)
    {
        long old = (long)(memory.Length / PageSize);
        return pages <= long.MaxValue && memory.Grow(pages) ? old : -1;
    }

    /// <summary><c>memory.size</c>: the logical length in pages.</summary>
    public static ulong Size(LinearMemory memory) => memory.Length / PageSize;

    private static bool Inside(ulong size, ulong offset, ulong length) => offset <= size && length <= size - offset;
}
