namespace Piecrust.Merkle;

/// <summary>
/// Checks proofs against a state root with nothing but the proof, the root and the claimed bytes:
/// no store, no database. Every method returns false (never throws) for a proof that does not hold,
/// including malformed serialized bytes.
/// </summary>
public static class ProofVerifier
{
    /// <summary>True when <paramref name="page"/> (4096 bytes) is the page the proof names, in the state <paramref name="root"/>.</summary>
    public static bool VerifyPage(PageProof proof, Hash root, ReadOnlySpan<byte> page)
    {
        if (page.Length != Storage.PageStore.PageSize) return false;
        int height = PageTree.HeightFor(proof.Is64);
        if (proof.PageSiblings.Count != height || proof.PageIndex >= PageTree.Capacity(height)) return false;

        var value = Domain.HashPageLeaf(Hash.Of(page));
        for (int level = 0; level < height; level++)
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
        if (proof.Contract != id) return false;
        int depth = proof.ContractSiblings.Count;
        if (depth > ContractId.Size * 8) return false;
        Hash terminal = Domain.EmptyState;
        if (proof.Other is { } other)
        {
            if (other.Id == proof.Contract) return false;
            for (int bit = 0; bit < depth; bit++)
                if (other.Id.Bit(bit) != proof.Contract.Bit(bit)) return false;
            terminal = other.Hash;
        }
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

    private static Hash FoldContractPath(ContractId id, Hash value, IReadOnlyList<Hash> siblings)
    {
        int depth = siblings.Count;
        if (depth > ContractId.Size * 8) return default;
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
