using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Modules;

/// <summary>
/// A validated, compiled contract module and what the engine needs to know to run it. Shared by
/// every session of a VM; immutable. The module is compiled from the bytecode with two changes:
/// every mutable global the code writes is also exported, so the host can reset it between calls;
/// and the gas transform (<see cref="GasTransform"/>) prices its operators as piecrust does.
/// </summary>
internal sealed class CompiledContract
{
    public required Hash Bytecode { get; init; }
    public required Module Module { get; init; }
    public required bool Is64 { get; init; }
    /// <summary>Offset of the 64 KiB argument buffer in linear memory.</summary>
    public required ulong ArgumentBuffer { get; init; }
    /// <summary>The memory's initial size in bytes (the module's declared minimum).</summary>
    public required ulong InitialMemory { get; init; }
    /// <summary>The largest the memory may grow to, in bytes.</summary>
    public required ulong MaxMemory { get; init; }
    /// <summary>
    /// The size of an instance's memory, fixed: the ABI's maximum for the width (4 GiB or 4 TiB) lowered
    /// to the VM's <see cref="VMOptions.MaxMemory"/>. Accesses up to it do not trap; the length grows up to
    /// it or <see cref="MaxMemory"/>, whichever is smaller.
    /// </summary>
    public required ulong Capacity { get; init; }
    /// <summary>Exported functions other than <c>init</c>.</summary>
    public required IReadOnlySet<string> Functions { get; init; }
    public required bool HasInit { get; init; }
    /// <summary>The host import each of the module's imports binds to, in the module's import order.</summary>
    public required HostImport[] Imports { get; init; }
    /// <summary>The host functions the gas transform added, imported after <see cref="Imports"/>.</summary>
    public required BulkMemoryImport[] BulkImports { get; init; }
    /// <summary>Passive data segments the added <c>memory.init</c> imports read, by segment index.</summary>
    public required IReadOnlyDictionary<uint, byte[]> PassiveData { get; init; }
    public required GlobalReset[] GlobalResets { get; init; }
    /// <summary>
    /// True when the code can change instance state the host cannot reset (tables, passive data,
    /// globals without a constant initialiser): such contracts get a fresh instance for every top-level call.
    /// </summary>
    public required bool NeedsFreshInstance { get; init; }
}
