using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tools;

/// <summary>What a proof states, in words, for <c>prove</c> and <c>verify</c>.</summary>
internal static class ProofWords
{
    /// <summary>"page 16 (bytes 0x10000..0x10fff) of contract …".</summary>
    public static string Page(PageProof proof) => $"{PageOnly(proof)} of contract {proof.Contract}";

    /// <summary>"page 16 (bytes 0x10000..0x10fff)".</summary>
    public static string PageOnly(PageProof proof) =>
        $"page {proof.PageIndex} (bytes {Span(proof.PageIndex * PageStore.PageSize, PageStore.PageSize)})";

    /// <summary>"bytes 0x100..0x1ff (256 bytes) of contract …", or the leaf alone for an empty range.</summary>
    public static string Range(RangeProofEntry entry) => entry.Length == 0
        ? $"contract {entry.Contract} exists (its leaf alone, no bytes)"
        : $"{RangeOnly(entry)} of contract {entry.Contract}";

    /// <summary>"bytes 0x100..0x1ff (256 bytes)", or "its leaf alone (no bytes)".</summary>
    public static string RangeOnly(RangeProofEntry entry) => entry.Length == 0
        ? "its leaf alone (no bytes)"
        : $"bytes {Span(entry.Offset, entry.Length)} ({Format.Count(entry.Length)} bytes)";

    /// <summary>"contract … is absent".</summary>
    public static string Absence(AbsenceProof proof) => $"contract {proof.Contract} is absent";

    /// <summary>How an absence proof's path ends: "its path ends in an empty subtree at depth 3".</summary>
    public static string AbsencePath(AbsenceProof proof) => proof.Other is null
        ? $"its path ends in an empty subtree at depth {proof.ContractSiblings.Count}"
        : $"its path ends at depth {proof.ContractSiblings.Count}, at the leaf of contract {proof.Other.Id}";

    /// <summary>The leaf fields a page or range proof also proves.</summary>
    public static string Leaf(ulong memoryLength, bool is64, Hash bytecode, ReadOnlySpan<byte> owner) =>
        $"{Memory(memoryLength, is64, owner)}, bytecode {bytecode}";

    /// <summary>"memory 131,072 bytes (32-bit), owner 01".</summary>
    public static string Memory(ulong memoryLength, bool is64, ReadOnlySpan<byte> owner) =>
        $"memory {Format.Count(memoryLength)} bytes ({(is64 ? 64 : 32)}-bit), owner {Format.Hex(owner, 32)}";

    /// <summary>An inclusive hex span: "0x1000..0x1fff".</summary>
    public static string Span(ulong offset, ulong length) => $"0x{offset:x}..0x{offset + length - 1:x}";
}
