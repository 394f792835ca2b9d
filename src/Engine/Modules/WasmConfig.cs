using System.Reflection;
using System.Text;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Modules;

/// <summary>
/// The one Wasmtime configuration contracts run under. Every setting that could make two machines
/// disagree is pinned: fuel metering on, NaN canonicalisation on (scalar and SIMD), fixed-width SIMD
/// on and relaxed SIMD off (as piecrust 0.32), no threads, no multi-memory, no GC, tail calls or
/// exceptions. Memory64 is on for 64-bit contracts. Fuel is priced by <see cref="GasSchedule"/>.
/// The wasm stack is pinned too: how deep a contract can recurse must not change with a Wasmtime upgrade.
/// </summary>
internal static class WasmConfig
{
    /// <summary>The largest 32-bit memory: 4 GiB.</summary>
    public const ulong MaxMemory32 = 1UL << 32;

    /// <summary>The largest 64-bit memory the ABI allows: 4 TiB.</summary>
    public const ulong MaxMemory64 = 1UL << 42;

    /// <summary>
    /// Native stack the wasm frames of one top-level call may use, nested inter-contract calls and the
    /// host frames between them included (piecrust's value; also Wasmtime's default). Past it a call
    /// traps with "call stack exhausted". Compiled code does not depend on it, so it is not part of
    /// <see cref="Fingerprint"/>.
    /// </summary>
    public const int MaxWasmStack = 512 * 1024;

    private const string Description =
        "fuel;nan-canonicalization;memory64;bulk-memory;multi-value;reference-types;" +
        "simd;no-relaxed-simd;no-threads;no-multi-memory;no-gc;no-function-references;no-tail-calls;no-exceptions;no-wide-arithmetic;" +
        "no-memory-init-cow;opt=speed;gas=" + GasSchedule.Version + ";memory=fixed-capacity-logical-length/1";

    public static Config Create() => new Config()
        .WithFuelConsumption(true)
        .WithCraneliftNaNCanonicalization(true)
        .WithMemory64(true)
        .WithBulkMemory(true)
        .WithMultiValue(true)
        .WithReferenceTypes(true)
        .WithSIMD(true)
        .WithRelaxedSIMD(false, false)
        .WithWasmThreads(false)
        .WithMultiMemory(false)
        .WithGc(false)
        .WithFunctionReferences(false)
        .WithTailCalls(false)
        .WithExceptions(false)
        .WithWideArithmetic(false)
        .WithComponentModel(false)
        .WithOptimizationLevel(OptimizationLevel.Speed)
        .WithMaximumStackSize(MaxWasmStack)
        // Data segments go into anonymous memory, so the mapped path sees them as written pages
        // (and maps its images over plain anonymous memory, never over Wasmtime's own file mappings).
        .WithMemoryInitCopyOnWrite(false)
        // A memory is made at its maximum size and never grows (see LinearMemory): nothing to reserve
        // for growth, and a 64-bit memory's reservation stays its 4 TiB (plus guards).
        .WithMemoryReservationForGrowth(0);

    /// <summary>
    /// The size an instance's memory gets, fixed (see <see cref="Memory.LinearMemory"/>): the ABI's
    /// maximum size for the width, 4 GiB or 4 TiB (as piecrust, whose memories span it whatever the
    /// module declares; a declared maximum only limits <c>memory.grow</c>), lowered to
    /// <paramref name="vmMaxMemory"/> (<see cref="VMOptions.MaxMemory"/>), in whole 64 KiB pages.
    /// </summary>
    public static ulong Capacity(bool is64, ulong vmMaxMemory) =>
        Math.Min(is64 ? MaxMemory64 : MaxMemory32, vmMaxMemory) / WasmMemory.PageSize * WasmMemory.PageSize;

    /// <summary>
    /// <see cref="Fingerprint"/> for a VM whose <see cref="VMOptions.MaxMemory"/> is <paramref name="vmMaxMemory"/>:
    /// it sets the memory size compiled into a module, so modules compiled under another are not reused.
    /// </summary>
    public static Hash FingerprintFor(ulong vmMaxMemory) =>
        vmMaxMemory >= MaxMemory64 ? Fingerprint : Hash.Of(Encoding.UTF8.GetBytes(Fingerprint + ";vm-max-memory=" + vmMaxMemory));

    /// <summary>
    /// Identifies this configuration, the Wasmtime build and the machine architecture: a compiled
    /// module is only reused under the same fingerprint.
    /// </summary>
    public static readonly Hash Fingerprint = Hash.Of(Encoding.UTF8.GetBytes(
        Description + ";wasmtime=" + typeof(Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        + ";" + typeof(Engine).Assembly.GetName().Version
        + ";arch=" + System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture));
}
