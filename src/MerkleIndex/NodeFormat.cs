using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Stored byte formats of tree nodes. A branch stores only its non-empty children (a mask says
/// which), so the sparse paths of small memories cost half as much. Page-tree branches carry their
/// level, because level-1 branches point at pages, not nodes.
/// </summary>
internal static class NodeFormat
{
    public const byte PageBranch = 0x11;
    public const byte ContractBranch = 0x21;
    public const byte ContractLeafNode = 0x22;

    private const byte LeftPresent = 1;
    private const byte RightPresent = 2;

    /// <summary>Encodes a branch; <paramref name="emptyChild"/> is the reference an empty child has at this position.</summary>
    public static byte[] EncodeBranch(byte tag, int level, Hash left, Hash right, Hash emptyChild)
    {
        bool hasLeft = left != emptyChild, hasRight = right != emptyChild;
        int header = tag == PageBranch ? 3 : 2;
        var bytes = new byte[header + (hasLeft ? Hash.Size : 0) + (hasRight ? Hash.Size : 0)];
        bytes[0] = tag;
        if (tag == PageBranch) bytes[1] = (byte)level;
        bytes[header - 1] = (byte)((hasLeft ? LeftPresent : 0) | (hasRight ? RightPresent : 0));
        int offset = header;
        if (hasLeft) { left.CopyTo(bytes.AsSpan(offset)); offset += Hash.Size; }
        if (hasRight) right.CopyTo(bytes.AsSpan(offset));
        return bytes;
    }

    /// <summary>Decodes a branch of either tree into its level (0 for contract branches) and child references.</summary>
    public static (int Level, Hash Left, Hash Right) DecodeBranch(ReadOnlySpan<byte> node, Func<int, Hash> emptyChildAt)
    {
        if (node.Length < 2) throw Malformed("branch", node.Length);
        byte tag = node[0];
        int header = tag == PageBranch ? 3 : 2;
        if ((tag != PageBranch && tag != ContractBranch) || node.Length < header) throw Malformed("branch", node.Length);
        int level = tag == PageBranch ? node[1] : 0;
        if (tag == PageBranch && (level < 1 || level > PageTree.MaxHeight)) throw Malformed("page branch level", level);
        byte mask = node[header - 1];
        if (mask is 0 or > 3) throw Malformed("branch mask", mask);
        int expected = header + ((mask & LeftPresent) != 0 ? Hash.Size : 0) + ((mask & RightPresent) != 0 ? Hash.Size : 0);
        if (node.Length != expected) throw Malformed("branch", node.Length);
        var empty = emptyChildAt(level);
        int offset = header;
        var left = empty;
        var right = empty;
        if ((mask & LeftPresent) != 0) { left = Hash.FromBytes(node.Slice(offset, Hash.Size)); offset += Hash.Size; }
        if ((mask & RightPresent) != 0) right = Hash.FromBytes(node.Slice(offset, Hash.Size));
        return (level, left, right);
    }

    public static byte[] EncodeLeaf(ContractLeaf leaf)
    {
        if (leaf.Owner.Length > ushort.MaxValue) throw new ArgumentException("An owner is at most 65535 bytes.");
        var bytes = new byte[1 + 3 * Hash.Size + 8 + 1 + 2 + leaf.Owner.Length];
        var span = bytes.AsSpan();
        span[0] = ContractLeafNode;
        leaf.Id.CopyTo(span[1..]);
        leaf.Bytecode.CopyTo(span[(1 + Hash.Size)..]);
        leaf.PageTreeRoot.CopyTo(span[(1 + 2 * Hash.Size)..]);
        int offset = 1 + 3 * Hash.Size;
        BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], leaf.MemoryLength);
        span[offset + 8] = leaf.Is64 ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[(offset + 9)..], (ushort)leaf.Owner.Length);
        leaf.Owner.Span.CopyTo(span[(offset + 11)..]);
        return bytes;
    }

    public static ContractLeaf DecodeLeaf(ReadOnlySpan<byte> node)
    {
        const int fixedLength = 1 + 3 * Hash.Size + 8 + 1 + 2;
        if (node.Length < fixedLength || node[0] != ContractLeafNode) throw Malformed("contract leaf", node.Length);
        int offset = 1 + 3 * Hash.Size;
        int ownerLength = BinaryPrimitives.ReadUInt16LittleEndian(node[(offset + 9)..]);
        if (node.Length != fixedLength + ownerLength || node[offset + 8] > 1) throw Malformed("contract leaf", node.Length);
        return new ContractLeaf(
            ContractId.FromBytes(node.Slice(1, Hash.Size)),
            Hash.FromBytes(node.Slice(1 + Hash.Size, Hash.Size)),
            node[fixedLength..].ToArray(),
            Hash.FromBytes(node.Slice(1 + 2 * Hash.Size, Hash.Size)),
            BinaryPrimitives.ReadUInt64LittleEndian(node[offset..]),
            node[offset + 8] == 1);
    }

    private static CorruptStoreException Malformed(string what, int value) =>
        new($"A stored tree node is malformed ({what}: {value}).");
}
