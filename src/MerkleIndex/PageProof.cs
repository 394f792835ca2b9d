namespace Piecrust.Merkle;

/// <summary>
/// Proof that one 4 KiB page of one contract's memory has given bytes in the state with a given
/// root. Carries the contract's leaf fields (so a light client also learns bytecode, owner and memory
/// length), the page-tree siblings bottom-up and the contract-tree siblings bottom-up. Only pages
/// inside the memory (index · 4096 &lt; memory length) are provable.
/// Verify with <see cref="ProofVerifier.VerifyPage(PageProof, Hash, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class PageProof : Proof
{
    /// <summary>Version byte of the serialized form.</summary>
    public const byte Version = FormatVersion;

    /// <summary>Creates a proof from its parts.</summary>
    /// <exception cref="ArgumentException">
    /// The owner is over 65535 bytes, the page siblings are not one per page-tree level (20 or 30),
    /// the page lies outside the page tree or at or beyond the memory length, or the contract path
    /// has more than 256 steps.
    /// </exception>
    public PageProof(ContractId contract, Hash bytecode, ReadOnlyMemory<byte> owner, ulong memoryLength, bool is64,
        ulong pageIndex, IReadOnlyList<Hash> pageSiblings, IReadOnlyList<Hash> contractSiblings)
    {
        ProofRules.Require(ProofRules.Owner(owner.Length), nameof(owner));
        int height = PageTree.HeightFor(is64);
        if (pageSiblings.Count != height)
            throw new ArgumentException($"A page proof of a {(is64 ? 64 : 32)}-bit memory has {height} page siblings, got {pageSiblings.Count}.", nameof(pageSiblings));
        ProofRules.Require(ProofRules.Page(pageIndex, memoryLength, is64), nameof(pageIndex));
        ProofRules.Require(ProofRules.ContractDepth(contractSiblings.Count), nameof(contractSiblings));
        Contract = contract;
        Bytecode = bytecode;
        Owner = owner.ToArray();
        MemoryLength = memoryLength;
        Is64 = is64;
        PageIndex = pageIndex;
        PageSiblings = pageSiblings.ToArray();
        ContractSiblings = contractSiblings.ToArray();
    }

    /// <inheritdoc/>
    public override ProofKind Kind => ProofKind.Page;
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
    /// <summary>Page-tree siblings from the leaf's level up to just below the root (one per level).</summary>
    public IReadOnlyList<Hash> PageSiblings { get; }
    /// <summary>Contract-tree siblings from the leaf's depth up to the root (as many as the leaf's depth).</summary>
    public IReadOnlyList<Hash> ContractSiblings { get; }

    /// <summary>The serialized form (docs/PROOFS.md, "Page proof").</summary>
    public override byte[] ToBytes()
    {
        var writer = Start(ProofKind.Page);
        writer.Hash(Contract.AsHash);
        writer.Hash(Bytecode);
        writer.Bytes(Owner.Span);
        writer.UInt64(MemoryLength);
        writer.Flag(Is64);
        writer.UInt64(PageIndex);
        writer.Siblings(PageSiblings, PageTree.EmptyRoot);
        writer.UInt16(ContractSiblings.Count);
        writer.Siblings(ContractSiblings, ProofRules.EmptyContractSibling);
        return writer.ToArray();
    }

    /// <summary>Parses the serialized form.</summary>
    /// <exception cref="ProofFormatException">The bytes are not a well-formed page proof of this version.</exception>
    public static new PageProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = Open(bytes, ProofKind.Page);
        var contract = new ContractId(reader.Hash());
        var bytecode = reader.Hash();
        var owner = reader.Bytes();
        ulong memoryLength = reader.UInt64();
        bool is64 = reader.Flag("64-bit");
        ulong pageIndex = reader.UInt64();
        ProofRules.Check(ProofRules.Page(pageIndex, memoryLength, is64));
        var pageSiblings = reader.Siblings(PageTree.HeightFor(is64), PageTree.EmptyRoot);
        int depth = reader.UInt16();
        ProofRules.Check(ProofRules.ContractDepth(depth));
        var contractSiblings = reader.Siblings(depth, ProofRules.EmptyContractSibling);
        reader.End();
        return new PageProof(contract, bytecode, owner, memoryLength, is64, pageIndex, pageSiblings, contractSiblings);
    }
}
