namespace Piecrust.Merkle;

/// <summary>
/// Proof that no contract with a given id exists in the state with a given root: the path along
/// the id's bits ends either in an empty subtree or in the leaf of another contract that shares
/// the path (in the canonical tree that leaf would not be alone there if the id existed).
/// </summary>
public sealed class AbsenceProof
{
    /// <summary>Version byte of the serialized form.</summary>
    public const byte Version = 1;
    internal const byte KindTag = 2;

    /// <summary>Creates a proof from its parts; <paramref name="other"/> is null when the path ends in an empty subtree.</summary>
    public AbsenceProof(ContractId contract, IReadOnlyList<Hash> contractSiblings, OtherLeaf? other)
    {
        Contract = contract;
        ContractSiblings = contractSiblings;
        Other = other;
    }

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

    /// <summary>The serialized form: version, kind, id, siblings, then the terminal.</summary>
    public byte[] ToBytes()
    {
        var writer = new ProofWriter();
        writer.Byte(Version);
        writer.Byte(KindTag);
        writer.Hash(Contract.AsHash);
        writer.Siblings(ContractSiblings, _ => Domain.EmptyState);
        writer.Byte(Other is null ? (byte)0 : (byte)1);
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
    /// <exception cref="ProofFormatException">The bytes are not an absence proof of a known version.</exception>
    public static AbsenceProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProofReader(bytes);
        byte version = reader.Byte();
        if (version != Version) throw new ProofFormatException($"Unknown proof version {version} (this verifier reads version {Version}).");
        if (reader.Byte() != KindTag) throw new ProofFormatException("The bytes are not an absence proof.");
        var contract = new ContractId(reader.Hash());
        var siblings = reader.Siblings(ContractId.Size * 8, _ => Domain.EmptyState);
        OtherLeaf? other = reader.Byte() switch
        {
            0 => null,
            1 => new OtherLeaf(new ContractId(reader.Hash()), reader.Hash(), reader.Hash(), reader.Hash()),
            _ => throw new ProofFormatException("Unknown absence-proof terminal."),
        };
        if (!reader.AtEnd) throw new ProofFormatException("The proof has trailing bytes.");
        return new AbsenceProof(contract, siblings, other);
    }
}
