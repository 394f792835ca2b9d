using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>The index's <see cref="INodeLayout"/>: how the store verifies and follows page-tree and contract-tree nodes.</summary>
public sealed class NodeLayout : INodeLayout
{
    /// <summary>The single instance (the layout is stateless).</summary>
    public static readonly NodeLayout Instance = new();

    private NodeLayout() { }

    /// <inheritdoc/>
    public Hash KeyOf(ReadOnlySpan<byte> node)
    {
        if (node.Length == 0) throw new CorruptStoreException("A stored tree node is empty.");
        switch (node[0])
        {
            case NodeFormat.PageBranch:
            {
                var (level, left, right) = NodeFormat.DecodeBranch(node, PageTree.EmptyChild);
                return level == 1
                    ? Domain.HashPair(Domain.PageInternal, Domain.HashPageLeaf(left), Domain.HashPageLeaf(right))
                    : Domain.HashPair(Domain.PageInternal, left, right);
            }
            case NodeFormat.ContractBranch:
            {
                var (_, left, right) = NodeFormat.DecodeBranch(node, _ => Domain.EmptyState);
                return Domain.HashPair(Domain.ContractInternal, left, right);
            }
            case NodeFormat.ContractLeafNode:
                return NodeFormat.DecodeLeaf(node).Hash;
            default:
                throw new CorruptStoreException($"A stored tree node has unknown tag 0x{node[0]:x2}.");
        }
    }

    /// <inheritdoc/>
    public void AddChildren(ReadOnlySpan<byte> node, List<ObjectRef> children)
    {
        if (node.Length == 0) throw new CorruptStoreException("A stored tree node is empty.");
        switch (node[0])
        {
            case NodeFormat.PageBranch:
            {
                var (level, left, right) = NodeFormat.DecodeBranch(node, PageTree.EmptyChild);
                var empty = PageTree.EmptyChild(level);
                var kind = level == 1 ? ObjectKind.Page : ObjectKind.Node;
                if (left != empty) children.Add(new ObjectRef(kind, left));
                if (right != empty) children.Add(new ObjectRef(kind, right));
                break;
            }
            case NodeFormat.ContractBranch:
            {
                var (_, left, right) = NodeFormat.DecodeBranch(node, _ => Domain.EmptyState);
                if (left != Domain.EmptyState) children.Add(ObjectRef.Node(left));
                if (right != Domain.EmptyState) children.Add(ObjectRef.Node(right));
                break;
            }
            case NodeFormat.ContractLeafNode:
            {
                var leaf = NodeFormat.DecodeLeaf(node);
                children.Add(ObjectRef.Bytecode(leaf.Bytecode));
                if (leaf.PageTreeRoot != PageTree.EmptyRoot(leaf.Height)) children.Add(ObjectRef.Node(leaf.PageTreeRoot));
                break;
            }
            default:
                throw new CorruptStoreException($"A stored tree node has unknown tag 0x{node[0]:x2}.");
        }
    }
}
