using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Piecrust.Runtime;

namespace Piecrust.Execution;

/// <summary>
/// Makes sure a top-level call runs with the native stack it may use, so running out of stack is
/// always Wasmtime's typed trap and never the death of the process.
/// </summary>
/// <remarks>
/// Wasmtime fixes its stack limit when a call first enters wasm: the stack pointer then, less
/// <see cref="WasmConfig.MaxWasmStack"/>. Inter-contract calls re-enter wasm through host frames
/// (about 3 KiB a level) under that same limit, and the innermost host code runs below it: a nested
/// call failing at the limit and unwinding through .NET exception handling (about 60 KiB measured),
/// a host query, a feeder callback. A thread with less than <see cref="Needed"/> left would
/// overflow its own stack first (a 256 KiB thread did, two dozen nested calls deep). Such a call runs on a
/// helper thread of <see cref="HelperStackSize"/> while the calling thread waits. The normal case, the main
/// thread or a thread of the default size (8 MiB under the usual <c>ulimit -s</c>), pays one
/// thread-static read and a compare.
/// </remarks>
internal static partial class StackRoom
{
    /// <summary>Stack kept for host code below Wasmtime's limit: the engine's own deepest chain and the host queries and feeders called there.</summary>
    public const int HostReserve = 512 * 1024;

    /// <summary>Stack a top-level call needs left on its thread.</summary>
    public const int Needed = WasmConfig.MaxWasmStack + HostReserve;

    /// <summary>Stack of a helper thread: what a call needs and the frames above its start.</summary>
    public const int HelperStackSize = Needed + HostReserve;

    // Enough for the sessions of a busy node calling from small threads at once; more are started when needed.
    private static readonly LargeStackThreads Helpers = new(HelperStackSize, maxIdle: 4);

    // The lowest usable address of this thread's stack; 0 until read, -1 when it cannot be read.
    [ThreadStatic] private static nint t_stackLow;

    /// <summary>True when the current thread has <see cref="Needed"/> bytes of stack left below this frame.</summary>
    public static unsafe bool HasRoom()
    {
        byte probe;
        nint low = t_stackLow;
        if (low == 0) t_stackLow = low = ReadStackLow();
        return low > 0 && (nint)(&probe) - low >= Needed;
    }

    /// <summary>Runs <paramref name="body"/> on a thread of <see cref="HelperStackSize"/> and waits for it; its exception is rethrown here.</summary>
    public static T OnHelperThread<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        Helpers.Run(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        failure?.Throw();
        return result;
    }

    /// <summary>The lowest address of the current thread's stack (glibc/musl <c>pthread_getattr_np</c>); -1 when unknown.</summary>
    private static unsafe nint ReadStackLow()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        byte* attributes = stackalloc byte[256]; // a pthread_attr_t: 56 bytes on x86-64, 64 on arm64
        try
        {
            if (pthread_getattr_np(pthread_self(), attributes) != 0) return -1;
            try
            {
                // The guard page below the stack is part of what the kernel keeps unusable; HostReserve covers it.
                return pthread_attr_getstack(attributes, out nint address, out _) == 0 && address > 0 ? address : -1;
            }
            finally
            {
                pthread_attr_destroy(attributes);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc")]
    private static partial nint pthread_self();

    [LibraryImport("libc")]
    private static unsafe partial int pthread_getattr_np(nint thread, byte* attributes);

    [LibraryImport("libc")]
    private static unsafe partial int pthread_attr_getstack(byte* attributes, out nint address, out nuint size);

    [LibraryImport("libc")]
    private static unsafe partial int pthread_attr_destroy(byte* attributes);
}
