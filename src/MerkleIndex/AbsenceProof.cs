namespace Piecrust.Merkle;

/// <summary>
/// Proof that no contract with a given id exists in the state with a given root: the path along
/// the id's bits ends either in an empty subtree or in the leaf of another contract that shares
/// the path (in the canonical tree that leaf would not be alone there if the id existed).
/// Verify with <see cref="ProofVerifier.VerifyAbsence(AbsenceProof, Hash, ContractId)"/>.
/// </summary>
public sealed class AbsenceProof : Proof
{
    /// <summary>Version byte of the serialized form.</summary>
    public const byte Version = FormatVersion;

    /// <summary>Creates a proof from its parts; <paramref name="other"/> is null when the path ends in an empty subtree.</summary>
    /// <exception cref="ArgumentException">
    /// The path has more than 256 steps, or the other leaf is the absent id itself or leaves the path.
    /// </exception>
    public AbsenceProof(ContractId contract, IReadOnlyList<Hash> contractSiblings, OtherLeaf? other)
    {
        ProofRules.Require(ProofRules.ContractDepth(contractSiblings.Count), nameof(contractSiblings));
        if (other is not null) ProofRules.Require(ProofRules.AbsenceTerminal(contract, other.Id, contractSiblings.Count), nameof(other));
        Contract = contract;
        ContractSiblings = contractSiblings.ToArray();
        Other = other;
    }

    /// <inheritdoc/>
    public override ProofKind Kind => ProofKind.Absence;
    /// <summary>The id proven absent.</summary>
    public ContractId Contract { get; }
    /// <summary>Contract-tree siblings from the end of the path up to the root.</summary>
    public IReadOnlyList<Hash> ContractSiblings { get; }
    /// <summary>The other contract's leaf that ends the path, or null for an empty subtree.</summary>
    public OtherLeaf? Other { get; }

    /// <summary>The fields of another contract's leaf, enough to recompute its hash.</summary>
    public sealed record OtherLeaf(ContractId Id, Hash Bytecode, Hash OwnerHash, Hash MemoryRoot)
    {
        /// <summary>The leaf's hash.</summary>
        public Hash Hash => Domain.HashContractLeaf(Id, Bytecode, OwnerHash, MemoryRoot);
    }

    /// <summary>The serialized form (docs/PROOFS.md, "Absence proof").</summary>
    public override byte[] ToBytes()
    {
        var writer = Start(ProofKind.Absence);
        writer.Hash(Contract.AsHash);
        writer.UInt16(ContractSiblings.Count);
        writer.Siblings(ContractSiblings, ProofRules.EmptyContractSibling);
        writer.Flag(Other is not null);
        if (Other is not null)
        {
            writer.Hash(Other.Id.AsHash);
            writer.Hash(Other.Bytecode);
            writer.Hash(Other.OwnerHash);
            writer.Hash(Other.MemoryRoot);
        }
        return writer.ToArray();
    }

    /// <summary>Parses the serialized form.</summary>
    /// <exception cref="ProofFormatException">The bytes are not a well-formed absence proof of this version.</exception>
    public static new AbsenceProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = Open(bytes, ProofKind.Absence);
        var contract = new ContractId(reader.Hash());
        int depth = reader.UInt16();
        ProofRules.Check(ProofRules.ContractDepth(depth));
        var siblings = reader.Siblings(depth, ProofRules.EmptyContractSibling);
        OtherLeaf? other = null;
        if (reader.Flag("terminal"))
        {
            other = new OtherLeaf(new ContractId(reader.Hash()), reader.Hash(), reader.Hash(), reader.Hash());
            ProofRules.Check(ProofRules.AbsenceTerminal(contract, other.Id, depth));
        }
        reader.End();
        return new AbsenceProof(contract, siblings, other);
    }
}
