using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Domain-separated hashing for every kind of tree value: each preimage starts with its own tag
/// byte, so no page, node, leaf or root can pose as another.
/// </summary>
public static class Domain
{
    /// <summary>Tag of a page leaf: H(tag ‖ page key).</summary>
    public const byte PageLeaf = 0x00;
    /// <summary>Tag of a page-tree internal node: H(tag ‖ left ‖ right).</summary>
    public const byte PageInternal = 0x01;
    /// <summary>Tag of the empty contract tree.</summary>
    public const byte EmptyContracts = 0x02;
    /// <summary>Tag of a contract leaf: H(tag ‖ id ‖ bytecode ‖ H(owner) ‖ memory root).</summary>
    public const byte ContractLeaf = 0x03;
    /// <summary>Tag of a memory root: H(tag ‖ page-tree root ‖ length u64 LE ‖ 64-bit flag).</summary>
    public const byte MemoryRoot = 0x04;
    /// <summary>Tag of a contract-tree internal node: H(tag ‖ left ‖ right).</summary>
    public const byte ContractInternal = 0x05;

    /// <summary>Root of the contract tree with no contracts: the state root of an empty state.</summary>
    public static readonly Hash EmptyState = Hash.Of([EmptyContracts]);

    /// <summary>H(PageLeaf ‖ pageKey).</summary>
    public static Hash HashPageLeaf(Hash pageKey)
    {
        Span<byte> input = stackalloc byte[1 + Hash.Size];
        input[0] = PageLeaf;
        pageKey.CopyTo(input[1..]);
        return Hash.Of(input);
    }

    /// <summary>H(tag ‖ left ‖ right).</summary>
    public static Hash HashPair(byte tag, Hash left, Hash right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * Hash.Size];
        input[0] = tag;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Hash.Size)..]);
        return Hash.Of(input);
    }

    /// <summary>The memory root binding a page-tree root, the memory length in bytes and the pointer width.</summary>
    public static Hash HashMemoryRoot(Hash pageTreeRoot, ulong memoryLength, bool is64)
    {
        Span<byte> input = stackalloc byte[1 + Hash.Size + 8 + 1];
        input[0] = MemoryRoot;
        pageTreeRoot.CopyTo(input[1..]);
        BinaryPrimitives.WriteUInt64LittleEndian(input[(1 + Hash.Size)..], memoryLength);
        input[^1] = is64 ? (byte)1 : (byte)0;
        return Hash.Of(input);
    }

    /// <summary>The hash of a contract leaf.</summary>
    public static Hash HashContractLeaf(ContractId id, Hash bytecode, Hash ownerHash, Hash memoryRoot)
    {
        Span<byte> input = stackalloc byte[1 + 4 * Hash.Size];
        input[0] = ContractLeaf;
        id.CopyTo(input[1..]);
        bytecode.CopyTo(input[(1 + Hash.Size)..]);
        ownerHash.CopyTo(input[(1 + 2 * Hash.Size)..]);
        memoryRoot.CopyTo(input[(1 + 3 * Hash.Size)..]);
        return Hash.Of(input);
    }

    internal static readonly Hash EmptyPageLeaf = HashPageLeaf(PageStore.ZeroPageKey);
}
