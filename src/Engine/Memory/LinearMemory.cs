using System.Runtime.CompilerServices;
using Wasmtime;

namespace Piecrust.Memory;

/// <summary>
/// Raw access to an instance's linear memory, as piecrust 0.32 has it: Wasmtime's memory is made
/// as large as the contract's maximum size (<see cref="Capacity"/>, fixed for the instance's life:
/// it never grows or moves), and the length the contract sees (<see cref="Length"/>, what
/// <c>memory.size</c> reports and the state root records) is kept here. The gas transform turns
/// <c>memory.size</c> and <c>memory.grow</c> into host calls that read and advance it. So a load or
/// store past the length but inside the maximum does not trap: it sees the bytes there (zero if
/// never written), and growing exposes them rather than zeroing them. Past the capacity Wasmtime
/// traps. Spans handed out are valid only until WASM runs again.
/// </summary>
internal sealed unsafe class LinearMemory
{
    private const ulong WasmPage = 65536;
    private readonly Wasmtime.Memory _memory;
    private readonly ulong _maxLength;

    /// <param name="memory">The instance's memory, of <see cref="Capacity"/> bytes.</param>
    /// <param name="initialLength">The module's declared initial size in bytes.</param>
    /// <param name="maxLength">The most <c>memory.grow</c> may reach: the module's declared maximum (capped by the ABI's), within the capacity.</param>
    public LinearMemory(Wasmtime.Memory memory, ulong initialLength, ulong maxLength)
    {
        _memory = memory;
        Capacity = (ulong)memory.GetLength();
        _maxLength = Math.Min(maxLength, Capacity);
        if (initialLength > _maxLength)
            throw new InvalidOperationException($"A memory's initial length {initialLength} is over its maximum {_maxLength}.");
        Length = initialLength;
    }

    /// <summary>The logical length in bytes (a multiple of 64 KiB).</summary>
    public ulong Length { get; private set; }

    /// <summary>Bytes addressable without a trap: the maximum size. Fixed.</summary>
    public ulong Capacity { get; }

    /// <summary>Where the memory starts (it never moves: Wasmtime's memory never grows).</summary>
    public nint Address => _memory.GetPointer();

    public bool Is64 => _memory.Is64Bit;

    /// <summary><c>memory.grow</c>: advances the length by whole 64 KiB pages, touching no byte; false past the maximum.</summary>
    public bool Grow(ulong pages)
    {
        if (pages > (_maxLength - Length) / WasmPage) return false;
        Length += pages * WasmPage;
        return true;
    }

    /// <summary>Sets the length of a state loaded into the instance (any multiple of 64 KiB up to the capacity).</summary>
    public void SetLength(ulong length)
    {
        if (length % WasmPage != 0)
            throw new InvalidOperationException($"A memory length must be whole 64 KiB pages, not {length} bytes.");
        if (length > Capacity)
            throw new EngineResourceException(
                $"A contract's memory of {length} bytes is over this VM's capacity of {Capacity} bytes (VMOptions.MaxMemory): open the store with a larger MaxMemory.");
        Length = length;
    }

    /// <summary>A span over <c>[offset, offset + length)</c>, which must lie inside the capacity.</summary>
    public Span<byte> Span(ulong offset, int length)
    {
        ulong size = Capacity;
        if (length < 0 || offset > size || size - offset < (ulong)length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the memory's {size} bytes.");
        return new Span<byte>((byte*)_memory.GetPointer() + offset, length);
    }

    /// <summary>
    /// Reads one byte of every 4 KiB page of <c>[offset, offset + length)</c> (clamped to the capacity),
    /// so the kernel maps now what the memory shows there (image pages, holes as zero pages) rather
    /// than at a call's first access. Changes nothing: no page becomes private, no byte is written.
    /// </summary>
    public void Prefault(ulong offset, ulong length)
    {
        const ulong HostPage = 4096;
        ulong end = offset > Capacity ? offset : offset + Math.Min(length, Capacity - offset);
        byte* start = (byte*)_memory.GetPointer();
        for (ulong at = offset / HostPage * HostPage; at < end; at += HostPage)
            _ = Volatile.Read(ref start[at]);
    }

    /// <summary>Copies <c>[offset, offset + destination.Length)</c> out; bytes past the capacity read as zero.</summary>
    public void Read(ulong offset, Span<byte> destination)
    {
        ulong size = Capacity;
        int inside = offset >= size ? 0 : (int)Math.Min((ulong)destination.Length, size - offset);
        if (inside > 0) Span(offset, inside).CopyTo(destination);
        destination[inside..].Clear();
    }

    /// <summary>Copies <paramref name="source"/> in at <paramref name="offset"/>; false when it does not fit in the capacity.</summary>
    public bool TryWrite(ulong offset, ReadOnlySpan<byte> source)
    {
        ulong size = Capacity;
        if (offset > size || size - offset < (ulong)source.Length) return false;
        source.CopyTo(Span(offset, source.Length));
        return true;
    }

    /// <summary>
    /// Zeroes <c>[offset, offset + length)</c> inside the capacity without touching its pages: whole
    /// 4 KiB pages are replaced by fresh zero pages (a memory's initial length may be terabytes, and
    /// writing zeros would make the host allocate every page); only partial pages at the ends are written.
    /// </summary>
    public void Clear(ulong offset, ulong length)
    {
        const ulong HostPage = 4096;
        if (offset > Capacity || Capacity - offset < length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the memory's {Capacity} bytes.");
        ulong end = offset + length;
        ulong first = (offset + HostPage - 1) / HostPage * HostPage, last = end / HostPage * HostPage;
        if (first >= last)
        {
            Span(offset, (int)length).Clear();
            return;
        }
        Span(offset, (int)(first - offset)).Clear();
        Posix.MapZeros(Address + (nint)first, last - first);
        Posix.NoHugePages(Address + (nint)first, last - first);
        Span(last, (int)(end - last)).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Page(ulong index, int pageSize) => Span(index * (ulong)pageSize, pageSize);
}
