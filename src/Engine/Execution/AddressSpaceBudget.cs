namespace Piecrust.Execution;

/// <summary>
/// The process-wide account of the address space contract memories reserve. Every instance's memory
/// is made at its maximum size (see <see cref="Memory.LinearMemory"/>; Wasmtime maps it without
/// reserving RAM or swap, so untouched pages cost nothing), but x86-64 user space is 128 TiB
/// (47 bits): measured here, a fresh process fits 31 reservations of 4 TiB + 64 MiB. A 64-bit
/// memory reserves its capacity (4 TiB unless <see cref="VMOptions.MaxMemory"/> is lower), a 32-bit
/// one 4 GiB; both plus Wasmtime's guard regions. The account is capped at <see cref="Budget"/> (three quarters of the space, the rest
/// kept for the .NET heap, the images and every other mapping), so running out is a typed
/// <see cref="EngineResourceException"/> rather than a failed mmap deep inside Wasmtime.
/// Instances are freed only with their store, so a memory counts until its <see cref="WasmRuntime"/>
/// is disposed. Thread-safe.
/// </summary>
internal static class AddressSpaceBudget
{
    /// <summary>Wasmtime's guard regions around a memory (32 MiB before and after, its defaults).</summary>
    private const ulong Guards = 64UL << 20;

    /// <summary>Bytes of address space all memories together may reserve: 24 memories of 4 TiB and their guards (96 TiB and 1.5 GiB).</summary>
    public const ulong Budget = 24 * ((1UL << 42) + Guards);

    /// <summary>Wasmtime reserves at least 4 GiB for any memory (a static memory; it elides 32-bit bounds checks).</summary>
    private const ulong MinimumReservation = 1UL << 32;

    private static long _reserved;

    /// <summary>Bytes reserved now.</summary>
    public static ulong Reserved => (ulong)Interlocked.Read(ref _reserved);

    /// <summary>The address space a memory of <paramref name="capacity"/> bytes reserves.</summary>
    public static ulong ReservationOf(ulong capacity) => Math.Max(capacity, MinimumReservation) + Guards;

    /// <summary>Accounts <paramref name="bytes"/> more; false (nothing accounted) when that would pass the budget.</summary>
    public static bool TryTake(ulong bytes)
    {
        while (true)
        {
            long reserved = Interlocked.Read(ref _reserved);
            if ((ulong)reserved + bytes > Budget) return false;
            if (Interlocked.CompareExchange(ref _reserved, reserved + (long)bytes, reserved) == reserved) return true;
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> (their instances' store was disposed).</summary>
    public static void Give(ulong bytes)
    {
        if (bytes > 0) Interlocked.Add(ref _reserved, -(long)bytes);
    }
}
