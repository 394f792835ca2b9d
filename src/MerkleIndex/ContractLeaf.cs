using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// What the contract tree records for one contract: its id, bytecode, owner and memory
/// (page-tree root, length in bytes, pointer width).
/// </summary>
public sealed record ContractLeaf(ContractId Id, Hash Bytecode, ReadOnlyMemory<byte> Owner, Hash PageTreeRoot, ulong MemoryLength, bool Is64)
{
    /// <summary>Height of this contract's page tree.</summary>
    public int Height => PageTree.HeightFor(Is64);

    /// <summary>The memory root: binds page-tree root, length and pointer width.</summary>
    public Hash MemoryRoot => Domain.HashMemoryRoot(PageTreeRoot, MemoryLength, Is64);

    /// <summary>The leaf's hash in the contract tree.</summary>
    public Hash Hash => Domain.HashContractLeaf(Id, Bytecode, Hash.Of(Owner.Span), MemoryRoot);

    /// <summary>Value equality including the owner bytes.</summary>
    public bool Equals(ContractLeaf? other) =>
        other is not null && Id == other.Id && Bytecode == other.Bytecode && PageTreeRoot == other.PageTreeRoot
        && MemoryLength == other.MemoryLength && Is64 == other.Is64 && Owner.Span.SequenceEqual(other.Owner.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode();
}
