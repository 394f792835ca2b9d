using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tools;

/// <summary>What a proof states, in words, for <c>prove</c> and <c>verify</c>.</summary>
internal static class ProofWords
{
    /// <summary>"page 16 (bytes 0x10000..0x10fff) of contract …".</summary>
    public static string Page(PageProof proof) =>
        $"page {proof.PageIndex} (bytes {Span(proof.PageIndex * PageStore.PageSize, PageStore.PageSize)}) of contract {proof.Contract}";

    /// <summary>"bytes 0x100..0x1ff (256 bytes) of contract …", or the leaf alone for an empty range.</summary>
    public static string Range(RangeProofEntry entry) => entry.Length == 0
        ? $"contract {entry.Contract} exists (its leaf alone, no bytes)"
        : $"bytes {Span(entry.Offset, entry.Length)} ({Format.Count(entry.Length)} bytes) of contract {entry.Contract}";

    /// <summary>"contract … is absent", with how the path ends.</summary>
    public static string Absence(AbsenceProof proof) => proof.Other is null
        ? $"contract {proof.Contract} is absent (its path ends in an empty subtree at depth {proof.ContractSiblings.Count})"
        : $"contract {proof.Contract} is absent (its path ends at contract {proof.Other.Id}'s leaf at depth {proof.ContractSiblings.Count})";

    /// <summary>The leaf fields a page or range proof also proves.</summary>
    public static string Leaf(ulong memoryLength, bool is64, Hash bytecode, ReadOnlySpan<byte> owner) =>
        $"memory {Format.Count(memoryLength)} bytes ({(is64 ? 64 : 32)}-bit), bytecode {bytecode}, owner {Format.Hex(owner, 32)}";

    /// <summary>An inclusive hex span: "0x1000..0x1fff".</summary>
    public static string Span(ulong offset, ulong length) => $"0x{offset:x}..0x{offset + length - 1:x}";
}
