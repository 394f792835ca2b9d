using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// The checks a proof's fields must pass before any hashing (docs/PROOFS.md, "Verifier rules"),
/// shared by the constructors (which throw <see cref="ArgumentException"/>) and the parsers (which
/// throw <see cref="ProofFormatException"/>). Each returns null when the fields pass, else the reason.
/// </summary>
internal static class ProofRules
{
    /// <summary>The deepest a contract-tree leaf or terminal can lie: one step per id bit.</summary>
    public const int MaxContractDepth = ContractId.Size * 8;

    /// <summary>The longest owner a leaf can have (its length is a u16).</summary>
    public const int MaxOwnerLength = ushort.MaxValue;

    /// <summary>The value of an empty contract-tree subtree, at any depth.</summary>
    public static Hash EmptyContractSibling(int _) => Domain.EmptyState;

    public static string? Owner(int length) =>
        length > MaxOwnerLength ? $"An owner is at most {MaxOwnerLength} bytes, got {length}." : null;

    public static string? ContractDepth(int depth) =>
        depth > MaxContractDepth ? $"A contract-tree path has at most {MaxContractDepth} steps, got {depth}." : null;

    /// <summary>The page must lie in the page tree and inside the memory (pages at or beyond the memory length are not provable).</summary>
    public static string? Page(ulong pageIndex, ulong memoryLength, bool is64)
    {
        ulong capacity = PageTree.Capacity(PageTree.HeightFor(is64));
        if (pageIndex >= capacity)
            return $"Page {pageIndex} is beyond the {capacity} pages of a {(is64 ? 64 : 32)}-bit memory's page tree.";
        if (pageIndex >= PagesIn(memoryLength))
            return $"Page {pageIndex} (bytes from 0x{pageIndex * PageStore.PageSize:x}) lies at or beyond the memory length {memoryLength}: nothing outside the memory is provable.";
        return null;
    }

    /// <summary>A non-empty range must lie inside the memory and the page tree; an empty one (a proof of the leaf alone) has offset 0.</summary>
    public static string? Range(ulong offset, ulong length, ulong memoryLength, bool is64)
    {
        if (length == 0)
            return offset == 0 ? null : $"An empty range has offset 0 (got {offset}), so that it has one encoding.";
        if (offset > memoryLength || length > memoryLength - offset)
            return $"Bytes [{offset}, {offset}+{length}) reach beyond the memory length {memoryLength}: nothing outside the memory is provable.";
        ulong lastPage = (offset + length - 1) / PageStore.PageSize;
        ulong capacity = PageTree.Capacity(PageTree.HeightFor(is64));
        if (lastPage >= capacity)
            return $"Bytes [{offset}, {offset}+{length}) reach beyond the {capacity} pages of a {(is64 ? 64 : 32)}-bit memory's page tree.";
        return null;
    }

    /// <summary>The other leaf that ends an absence path must differ from the absent id but share the path's bits.</summary>
    public static string? AbsenceTerminal(ContractId absent, ContractId other, int depth)
    {
        if (other == absent) return "The leaf that ends an absence proof's path is the contract said to be absent.";
        for (int bit = 0; bit < depth; bit++)
            if (other.Bit(bit) != absent.Bit(bit))
                return $"The leaf that ends the absence proof's path differs from the absent id in bit {bit}, above the path's end at depth {depth}.";
        return null;
    }

    /// <summary>Number of pages that hold at least one byte of a memory of this length.</summary>
    public static ulong PagesIn(ulong memoryLength) =>
        memoryLength / PageStore.PageSize + (memoryLength % PageStore.PageSize == 0 ? 0UL : 1UL);

    public static void Require(string? problem, string parameter)
    {
        if (problem is not null) throw new ArgumentException(problem, parameter);
    }

    public static void Check(string? problem)
    {
        if (problem is not null) throw new ProofFormatException(problem);
    }
}
