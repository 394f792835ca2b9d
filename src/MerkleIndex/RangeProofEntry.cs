namespace Piecrust.Merkle;

/// <summary>
/// One contract's part of a <see cref="RangeProof"/>: its leaf fields, the proven byte range of its
/// memory, its leaf's depth in the contract tree, the bytes of the range's first and last pages that
/// lie outside the range (needed to hash those pages), and the page-tree siblings of the range.
/// </summary>
public sealed class RangeProofEntry
{
    /// <summary>Creates an entry from its parts.</summary>
    /// <exception cref="ArgumentException">
    /// The owner is over 65535 bytes; the range reaches beyond the memory length or the page tree (or
    /// is empty with a non-zero offset); the depth is over 256; the head or tail is not exactly the part
    /// of the first or last page outside the range; or the page siblings are not as many as the range needs.
    /// </exception>
    public RangeProofEntry(ContractId contract, Hash bytecode, ReadOnlyMemory<byte> owner, ulong memoryLength, bool is64,
        ulong offset, ulong length, int depth, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> tail, IReadOnlyList<Hash> pageSiblings)
    {
        ProofRules.Require(ProofRules.Owner(owner.Length), nameof(owner));
        ProofRules.Require(ProofRules.Range(offset, length, memoryLength, is64), nameof(offset));
        ProofRules.Require(depth < 0 ? "A depth is not negative." : ProofRules.ContractDepth(depth), nameof(depth));
        if (head.Length != PageRange.HeadLength(offset, length))
            throw new ArgumentException($"The head is the {PageRange.HeadLength(offset, length)} bytes of the first page before the range, got {head.Length}.", nameof(head));
        if (tail.Length != PageRange.TailLength(offset, length))
            throw new ArgumentException($"The tail is the {PageRange.TailLength(offset, length)} bytes of the last page after the range, got {tail.Length}.", nameof(tail));
        var levels = PageRange.SiblingLevels(offset, length, PageTree.HeightFor(is64));
        if (pageSiblings.Count != levels.Length)
            throw new ArgumentException($"This range needs {levels.Length} page siblings, got {pageSiblings.Count}.", nameof(pageSiblings));
        Contract = contract;
        Bytecode = bytecode;
        Owner = owner.ToArray();
        MemoryLength = memoryLength;
        Is64 = is64;
        Offset = offset;
        Length = length;
        Depth = depth;
        Head = head.ToArray();
        Tail = tail.ToArray();
        PageSiblings = pageSiblings.ToArray();
        SiblingLevels = levels;
    }

    /// <summary>The contract.</summary>
    public ContractId Contract { get; }
    /// <summary>Hash of the contract's bytecode.</summary>
    public Hash Bytecode { get; }
    /// <summary>The contract's owner bytes.</summary>
    public ReadOnlyMemory<byte> Owner { get; }
    /// <summary>The memory's length in bytes.</summary>
    public ulong MemoryLength { get; }
    /// <summary>Whether the memory is 64-bit (page tree of height 30 rather than 20).</summary>
    public bool Is64 { get; }
    /// <summary>First byte of the proven range.</summary>
    public ulong Offset { get; }
    /// <summary>Number of proven bytes (0: the leaf alone).</summary>
    public ulong Length { get; }
    /// <summary>Depth of the contract's leaf in the contract tree (0 when it is the only contract).</summary>
    public int Depth { get; }
    /// <summary>The bytes of the range's first page before <see cref="Offset"/>.</summary>
    public ReadOnlyMemory<byte> Head { get; }
    /// <summary>The bytes of the range's last page after the range.</summary>
    public ReadOnlyMemory<byte> Tail { get; }
    /// <summary>The page-tree siblings: for each level bottom-up, the left then the right neighbour of the covered run where needed; for an empty range, the page-tree root.</summary>
    public IReadOnlyList<Hash> PageSiblings { get; }

    internal int[] SiblingLevels { get; }

    internal Hash EmptySiblingAt(int index) => PageTree.EmptyRoot(SiblingLevels[index]);

    internal void Write(ProofWriter writer)
    {
        writer.Hash(Contract.AsHash);
        writer.Hash(Bytecode);
        writer.Bytes(Owner.Span);
        writer.UInt64(MemoryLength);
        writer.Flag(Is64);
        writer.UInt64(Offset);
        writer.UInt64(Length);
        writer.UInt16(Depth);
        writer.Raw(Head.Span);
        writer.Raw(Tail.Span);
        writer.Siblings(PageSiblings, EmptySiblingAt);
    }

    internal static RangeProofEntry Read(ref ProofReader reader)
    {
        var contract = new ContractId(reader.Hash());
        var bytecode = reader.Hash();
        var owner = reader.Bytes();
        ulong memoryLength = reader.UInt64();
        bool is64 = reader.Flag("64-bit");
        ulong offset = reader.UInt64();
        ulong length = reader.UInt64();
        ProofRules.Check(ProofRules.Range(offset, length, memoryLength, is64));
        int depth = reader.UInt16();
        ProofRules.Check(ProofRules.ContractDepth(depth));
        var head = reader.Raw(PageRange.HeadLength(offset, length));
        var tail = reader.Raw(PageRange.TailLength(offset, length));
        var levels = PageRange.SiblingLevels(offset, length, PageTree.HeightFor(is64));
        var siblings = reader.Siblings(levels.Length, i => PageTree.EmptyRoot(levels[i]));
        return new RangeProofEntry(contract, bytecode, owner, memoryLength, is64, offset, length, depth, head, tail, siblings);
    }
}
