namespace Piecrust.Execution;

/// <summary>
/// The process-wide count of 64-bit contract memories alive in Wasmtime stores. Each is made at its
/// full 4 TiB (see <see cref="Memory.LinearMemory"/>; Wasmtime maps it without reserving RAM or
/// swap, and untouched pages cost nothing), but x86-64 user space is 128 TiB (47 bits): a process
/// fits about 30 (measured: 31 reservations of 4 TiB + 64 MiB in a fresh process). Capped at
/// <see cref="Max"/>, so the 32-bit memories (4 GiB each), the .NET heap and every other mapping
/// keep a quarter of the space, and running out is a typed error rather than a failed mmap deep
/// inside Wasmtime. Instances are freed only with their store, so a memory counts until its
/// <see cref="WasmRuntime"/> is disposed. Thread-safe.
/// </summary>
internal static class Memory64Reservations
{
    /// <summary>At most this many 64-bit memories at once: 96 TiB of the 128 TiB.</summary>
    public const int Max = 24;

    private static int _live;

    /// <summary>64-bit memories alive now.</summary>
    public static int Live => Volatile.Read(ref _live);

    /// <summary>Counts one more 64-bit memory; false (nothing counted) when <see cref="Max"/> are alive.</summary>
    public static bool TryTake()
    {
        while (true)
        {
            int live = Volatile.Read(ref _live);
            if (live >= Max) return false;
            if (Interlocked.CompareExchange(ref _live, live + 1, live) == live) return true;
        }
    }

    /// <summary>Counts <paramref name="count"/> 64-bit memories as freed.</summary>
    public static void Give(int count)
    {
        if (count > 0) Interlocked.Add(ref _live, -count);
    }
}
