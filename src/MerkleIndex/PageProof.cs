namespace Piecrust.Merkle;

/// <summary>
/// Proof that one 4 KiB page of one contract's memory has given bytes in the state with a given
/// root. Carries the contract's leaf fields (so a light client also learns bytecode, owner and memory
/// length), the page-tree siblings bottom-up and the contract-tree siblings bottom-up.
/// Verify with <see cref="ProofVerifier.VerifyPage(PageProof, Hash, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class PageProof
{
    /// <summary>Version byte of the serialized form.</summary>
    public const byte Version = 1;
    internal const byte KindTag = 1;

    /// <summary>Creates a proof from its parts.</summary>
    public PageProof(ContractId contract, Hash bytecode, ReadOnlyMemory<byte> owner, ulong memoryLength, bool is64,
        ulong pageIndex, IReadOnlyList<Hash> pageSiblings, IReadOnlyList<Hash> contractSiblings)
    {
        Contract = contract;
        Bytecode = bytecode;
        Owner = owner;
        MemoryLength = memoryLength;
        Is64 = is64;
        PageIndex = pageIndex;
        PageSiblings = pageSiblings;
        ContractSiblings = contractSiblings;
    }

    /// <summary>The contract whose memory the page belongs to.</summary>
    public ContractId Contract { get; }
    /// <summary>Hash of the contract's bytecode.</summary>
    public Hash Bytecode { get; }
    /// <summary>The contract's owner bytes.</summary>
    public ReadOnlyMemory<byte> Owner { get; }
    /// <summary>The memory's length in bytes.</summary>
    public ulong MemoryLength { get; }
    /// <summary>Whether the memory is 64-bit (page tree of height 30 rather than 20).</summary>
    public bool Is64 { get; }
    /// <summary>Index of the page (byte offset / 4096).</summary>
    public ulong PageIndex { get; }
    /// <summary>Page-tree siblings from the leaf's level up to just below the root.</summary>
    public IReadOnlyList<Hash> PageSiblings { get; }
    /// <summary>Contract-tree siblings from the leaf's depth up to the root.</summary>
    public IReadOnlyList<Hash> ContractSiblings { get; }

    /// <summary>The serialized form: version, kind, leaf fields, page index, then both sibling paths.</summary>
    public byte[] ToBytes()
    {
        var writer = new ProofWriter();
        writer.Byte(Version);
        writer.Byte(KindTag);
        writer.Hash(Contract.AsHash);
        writer.Hash(Bytecode);
        writer.Bytes(Owner.Span);
        writer.UInt64(MemoryLength);
        writer.Byte(Is64 ? (byte)1 : (byte)0);
        writer.UInt64(PageIndex);
        writer.Siblings(PageSiblings, PageTree.EmptyRoot);
        writer.Siblings(ContractSiblings, _ => Domain.EmptyState);
        return writer.ToArray();
    }

    /// <summary>Parses the serialized form.</summary>
    /// <exception cref="ProofFormatException">The bytes are not a page proof of a known version.</exception>
    public static PageProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProofReader(bytes);
        byte version = reader.Byte();
        if (version != Version) throw new ProofFormatException($"Unknown proof version {version} (this verifier reads version {Version}).");
        if (reader.Byte() != KindTag) throw new ProofFormatException("The bytes are not a page proof.");
        var contract = new ContractId(reader.Hash());
        var bytecode = reader.Hash();
        var owner = reader.Bytes();
        ulong memoryLength = reader.UInt64();
        byte is64 = reader.Byte();
        if (is64 > 1) throw new ProofFormatException("The proof's 64-bit flag is not 0 or 1.");
        ulong pageIndex = reader.UInt64();
        var pageSiblings = reader.Siblings(PageTree.MaxHeight, PageTree.EmptyRoot);
        var contractSiblings = reader.Siblings(ContractId.Size * 8, _ => Domain.EmptyState);
        if (!reader.AtEnd) throw new ProofFormatException("The proof has trailing bytes.");
        return new PageProof(contract, bytecode, owner, memoryLength, is64 == 1, pageIndex, pageSiblings, contractSiblings);
    }
}
