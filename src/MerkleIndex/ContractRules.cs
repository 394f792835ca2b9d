using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// What a contract leaf may hold, whoever wrote it (a session, a snapshot import, a damaged store):
/// a memory length a WebAssembly memory of its width can have, and a memory its bytecode can run
/// in. The import, fsck and the engine's loading all apply these same rules, so a leaf breaking one
/// is refused everywhere alike instead of behaving differently on each memory path.
/// </summary>
public static class ContractRules
{
    /// <summary>A WebAssembly page: memories grow in whole ones, so every length is a multiple of it.</summary>
    public const ulong WasmPageSize = 65536;

    /// <summary>The largest memory of a width (4 GiB for 32-bit, 4 TiB for 64-bit): exactly what its page tree covers.</summary>
    public static ulong MaxMemory(bool is64) => PageTree.Capacity(PageTree.HeightFor(is64)) * PageStore.PageSize;

    /// <summary>The rule <paramref name="leaf"/>'s own fields break (memory length and width), or null.</summary>
    public static string? CheckLeaf(ContractLeaf leaf)
    {
        if (leaf.MemoryLength % WasmPageSize != 0)
            return $"contract {leaf.Id}'s memory length {leaf.MemoryLength} is not a multiple of 64 KiB (memories grow in 64 KiB pages)";
        if (leaf.MemoryLength > MaxMemory(leaf.Is64))
            return $"contract {leaf.Id}'s memory length {leaf.MemoryLength} exceeds the {Describe(MaxMemory(leaf.Is64))} maximum of a {Width(leaf.Is64)} memory";
        return null;
    }

    /// <summary>The rule <paramref name="leaf"/> breaks together with its bytecode (as <paramref name="code"/> describes it), or null.</summary>
    public static string? CheckCode(ContractLeaf leaf, BytecodeVerdict code)
    {
        if (code.Violation is { } violation)
            return $"contract {leaf.Id}'s bytecode {leaf.Bytecode} fails the deploy-time module validation ({violation.TrimEnd('.')})";
        if (code.Is64 != leaf.Is64)
            return $"contract {leaf.Id} has a {Width(leaf.Is64)} memory but its bytecode {leaf.Bytecode} declares a {Width(code.Is64)} one";
        if (leaf.MemoryLength < code.InitialMemory)
            return $"contract {leaf.Id}'s memory length {leaf.MemoryLength} is below the initial {code.InitialMemory} bytes its bytecode {leaf.Bytecode} declares";
        if (leaf.MemoryLength > code.MaxMemory)
            return $"contract {leaf.Id}'s memory length {leaf.MemoryLength} exceeds the maximum {code.MaxMemory} bytes its bytecode {leaf.Bytecode} allows";
        return null;
    }

    internal static string Width(bool is64) => is64 ? "64-bit" : "32-bit";

    private static string Describe(ulong bytes) => bytes % (1UL << 40) == 0 ? $"{bytes >> 40} TiB" : $"{bytes >> 30} GiB";
}
