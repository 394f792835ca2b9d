using System.Runtime.CompilerServices;
using Wasmtime;

namespace Piecrust.Memory;

/// <summary>
/// Raw access to an instance's linear memory. The base pointer is fetched on each access because
/// a 64-bit memory may move when it grows; spans handed out are valid only until WASM runs again.
/// Reads past the current length see zeros (the ABI's rule); writes past it are refused.
/// </summary>
internal sealed unsafe class LinearMemory
{
    private readonly Wasmtime.Memory _memory;

    public LinearMemory(Wasmtime.Memory memory) => _memory = memory;

    public ulong Length => (ulong)_memory.GetLength();

    /// <summary>Where the memory starts now (a 64-bit memory may move when it grows).</summary>
    public nint Address => _memory.GetPointer();

    public bool Is64 => _memory.Is64Bit;

    /// <summary>Grows by whole 64 KiB pages; false when the memory cannot grow that far.</summary>
    public bool Grow(ulong pages)
    {
        if (pages == 0) return true;
        try
        {
            return _memory.Grow((long)pages) >= 0;
        }
        catch (WasmtimeException)
        {
            return false;
        }
    }

    /// <summary>A span over <c>[offset, offset + length)</c>, which must lie inside the current length.</summary>
    public Span<byte> Span(ulong offset, int length)
    {
        ulong size = Length;
        if (length < 0 || offset > size || size - offset < (ulong)length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the memory's {size} bytes.");
        return new Span<byte>((byte*)_memory.GetPointer() + offset, length);
    }

    /// <summary>Copies <c>[offset, offset + destination.Length)</c> out; bytes past the current length read as zero.</summary>
    public void Read(ulong offset, Span<byte> destination)
    {
        ulong size = Length;
        int inside = offset >= size ? 0 : (int)Math.Min((ulong)destination.Length, size - offset);
        if (inside > 0) Span(offset, inside).CopyTo(destination);
        destination[inside..].Clear();
    }

    /// <summary>Copies <paramref name="source"/> in at <paramref name="offset"/>; false when it does not fit in the current length.</summary>
    public bool TryWrite(ulong offset, ReadOnlySpan<byte> source)
    {
        ulong size = Length;
        if (offset > size || size - offset < (ulong)source.Length) return false;
        source.CopyTo(Span(offset, source.Length));
        return true;
    }

    /// <summary>Zeroes <c>[offset, offset + length)</c> inside the current length.</summary>
    public void Clear(ulong offset, ulong length)
    {
        while (length > 0)
        {
            int chunk = (int)Math.Min(length, 1 << 30);
            Span(offset, chunk).Clear();
            offset += (ulong)chunk;
            length -= (ulong)chunk;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Page(ulong index, int pageSize) => Span(index * (ulong)pageSize, pageSize);
}
