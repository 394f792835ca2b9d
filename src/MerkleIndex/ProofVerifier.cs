namespace Piecrust.Merkle;

/// <summary>
/// Checks proofs against a state root with nothing but the proof, the root and the claimed bytes:
/// no store, no database. Every method returns false (never throws) for a proof that does not hold,
/// including malformed serialized bytes; true means the statement is true in the state with that root
/// (docs/PROOFS.md, "What a valid proof means").
/// </summary>
public static class ProofVerifier
{
    /// <summary>True when <paramref name="page"/> (4096 bytes) is the page the proof names, in the state <paramref name="root"/>.</summary>
    public static bool VerifyPage(PageProof proof, Hash root, ReadOnlySpan<byte> page)
    {
        // The constructor checked the sibling counts, the page index and the depth bound.
        if (page.Length != Storage.PageStore.PageSize) return false;
        var value = Domain.HashPageLeaf(Storage.PageStore.PageKey(page));
        for (int level = 0; level < proof.PageSiblings.Count; level++)
        {
            var sibling = proof.PageSiblings[level];
            value = ((proof.PageIndex >> level) & 1) == 0
                ? Domain.HashPair(Domain.PageInternal, value, sibling)
                : Domain.HashPair(Domain.PageInternal, sibling, value);
        }
        var memoryRoot = Domain.HashMemoryRoot(value, proof.MemoryLength, proof.Is64);
        var leaf = Domain.HashContractLeaf(proof.Contract, proof.Bytecode, Hash.Of(proof.Owner.Span), memoryRoot);
        return FoldContractPath(proof.Contract, leaf, proof.ContractSiblings) == root;
    }

    /// <summary>Parses and verifies a serialized page proof; false for malformed bytes.</summary>
    public static bool VerifyPage(ReadOnlySpan<byte> proof, Hash root, ReadOnlySpan<byte> page)
    {
        try
        {
            return VerifyPage(PageProof.FromBytes(proof), root, page);
        }
        catch (ProofFormatException)
        {
            return false;
        }
    }

    /// <summary>True when the proof shows that contract <paramref name="id"/> is absent from the state <paramref name="root"/>.</summary>
    public static bool VerifyAbsence(AbsenceProof proof, Hash root, ContractId id)
    {
        // The constructor checked the depth bound and that the other leaf shares the path.
        if (proof.Contract != id) return false;
        var terminal = proof.Other?.Hash ?? Domain.EmptyState;
        return FoldContractPath(proof.Contract, terminal, proof.ContractSiblings) == root;
    }

    /// <summary>Parses and verifies a serialized absence proof of <paramref name="id"/>; false for malformed bytes.</summary>
    public static bool VerifyAbsence(ReadOnlySpan<byte> proof, Hash root, ContractId id)
    {
        try
        {
            return VerifyAbsence(AbsenceProof.FromBytes(proof), root, id);
        }
        catch (ProofFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when <paramref name="data"/> is the proof's ranges' bytes, one range after another in entry
    /// order, in the state <paramref name="root"/>.
    /// </summary>
    public static bool VerifyRange(RangeProof proof, Hash root, ReadOnlySpan<byte> data)
    {
        // The constructor checked ranges, depths, order, structure and sibling counts.
        if ((ulong)data.Length != proof.DataLength) return false;
        var entries = proof.Entries;
        var leaves = new Hash[entries.Count];
        int at = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            int length = (int)entry.Length; // at most data.Length
            var pageTreeRoot = PageRange.Fold(entry, data.Slice(at, length));
            at += length;
            var memoryRoot = Domain.HashMemoryRoot(pageTreeRoot, entry.MemoryLength, entry.Is64);
            leaves[i] = Domain.HashContractLeaf(entry.Contract, entry.Bytecode, Hash.Of(entry.Owner.Span), memoryRoot);
        }
        var ids = entries.Select(e => e.Contract).ToArray();
        var depths = entries.Select(e => e.Depth).ToArray();
        return ContractMultiproof.Fold(ids, depths, leaves, proof.ContractSiblings) == root;
    }

    /// <summary>Parses and verifies a serialized range proof; false for malformed bytes.</summary>
    public static bool VerifyRange(ReadOnlySpan<byte> proof, Hash root, ReadOnlySpan<byte> data)
    {
        try
        {
            return VerifyRange(RangeProof.FromBytes(proof), root, data);
        }
        catch (ProofFormatException)
        {
            return false;
        }
    }

    // Folds a bottom-up path of at most 256 siblings (the constructors guarantee it): sibling i sits
    // at depth d - i, where the path turns by bit d - 1 - i of the id.
    private static Hash FoldContractPath(ContractId id, Hash value, IReadOnlyList<Hash> siblings)
    {
        int depth = siblings.Count;
        if (depth > ProofRules.MaxContractDepth) throw new InvalidOperationException("A contract path longer than 256 steps was constructed.");
        for (int i = 0; i < depth; i++)
        {
            var sibling = siblings[i];
            value = id.Bit(depth - 1 - i)
                ? Domain.HashPair(Domain.ContractInternal, sibling, value)
                : Domain.HashPair(Domain.ContractInternal, value, sibling);
        }
        return value;
    }
}
