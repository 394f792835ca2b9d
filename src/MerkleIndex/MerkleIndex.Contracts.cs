using Piecrust.Storage;

namespace Piecrust.Merkle;

public sealed partial class MerkleIndex
{
    private const int IdBits = ContractId.Size * 8;

    /// <summary>
    /// Inserts or replaces <paramref name="leaf"/> in the contract tree <paramref name="root"/>,
    /// staging the new nodes, and returns the new state root. The tree is canonical: its root
    /// depends only on the set of leaves, never on the order they were inserted in.
    /// </summary>
    public Hash SetContract(Hash root, ContractLeaf leaf, StagedObjects staged)
    {
        var leafHash = leaf.Hash;
        staged.AddNode(leafHash, NodeFormat.EncodeLeaf(leaf));
        return Insert(root, 0, leaf.Id, leafHash, staged);
    }

    /// <summary>The leaf of contract <paramref name="id"/> in state <paramref name="root"/>, or null when absent.</summary>
    public ContractLeaf? GetContract(Hash root, ContractId id, StagedObjects? staged = null)
    {
        var node = root;
        for (int depth = 0; node != Domain.EmptyState; depth++)
        {
            var bytes = Node(node, staged).Span;
            if (bytes[0] == NodeFormat.ContractLeafNode)
            {
                var leaf = NodeFormat.DecodeLeaf(bytes);
                return leaf.Id == id ? leaf : null;
            }
            var (left, right) = ContractChildren(node, bytes);
            node = id.Bit(depth) ? right : left;
        }
        return null;
    }

    /// <summary>
    /// The rule that keeps contract <paramref name="leaf"/> from loading, or null: its own fields
    /// (<see cref="ContractRules.CheckLeaf"/>) and its page tree's root, which must be a page-tree
    /// branch of its width's height. The engine checks this before it loads a memory, so a leaf an
    /// import would refuse (from an older version's import or damage) fails alike on every memory path.
    /// </summary>
    public string? LoadProblem(ContractLeaf leaf, StagedObjects? staged = null)
    {
        if (ContractRules.CheckLeaf(leaf) is { } broken) return broken;
        if (leaf.PageTreeRoot == PageTree.EmptyRoot(leaf.Height)) return null;
        var root = Node(leaf.PageTreeRoot, staged);
        return StateRules.CheckNode(leaf.PageTreeRoot, root.Span, StatePlace.PageBranch(leaf.Height), leaf, [], out _);
    }

    /// <summary>Every contract leaf of state <paramref name="root"/>, in ascending id order.</summary>
    public IEnumerable<ContractLeaf> Contracts(Hash root, StagedObjects? staged = null)
    {
        var pending = new Stack<Hash>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node == Domain.EmptyState) continue;
            var bytes = Node(node, staged);
            if (bytes.Span[0] == NodeFormat.ContractLeafNode)
            {
                yield return NodeFormat.DecodeLeaf(bytes.Span);
                continue;
            }
            var (left, right) = ContractChildren(node, bytes.Span);
            pending.Push(right);
            pending.Push(left);
        }
    }

    private Hash Insert(Hash node, int depth, ContractId id, Hash leafHash, StagedObjects staged)
    {
        if (node == Domain.EmptyState) return leafHash;
        var bytes = Node(node, staged).Span;
        if (bytes[0] == NodeFormat.ContractLeafNode)
        {
            var existing = ContractId.FromBytes(bytes.Slice(1, ContractId.Size));
            return existing == id ? leafHash : Split(existing, node, id, leafHash, depth, staged);
        }
        var (left, right) = ContractChildren(node, bytes);
        if (id.Bit(depth)) right = Insert(right, depth + 1, id, leafHash, staged);
        else left = Insert(left, depth + 1, id, leafHash, staged);
        return Branch(left, right, staged);
    }

    // Two leaves that share a prefix up to depth: branches down to the first differing bit.
    private Hash Split(ContractId a, Hash aHash, ContractId b, Hash bHash, int depth, StagedObjects staged)
    {
        if (depth >= IdBits) throw new InvalidOperationException("Two distinct ids cannot share all 256 bits.");
        bool aBit = a.Bit(depth), bBit = b.Bit(depth);
        if (aBit == bBit)
        {
            var child = Split(a, aHash, b, bHash, depth + 1, staged);
            return aBit ? Branch(Domain.EmptyState, child, staged) : Branch(child, Domain.EmptyState, staged);
        }
        return aBit ? Branch(bHash, aHash, staged) : Branch(aHash, bHash, staged);
    }

    private static Hash Branch(Hash left, Hash right, StagedObjects staged)
    {
        var key = Domain.HashPair(Domain.ContractInternal, left, right);
        staged.AddNode(key, NodeFormat.EncodeBranch(NodeFormat.ContractBranch, 0, left, right, Domain.EmptyState));
        return key;
    }

    private static (Hash Left, Hash Right) ContractChildren(Hash node, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes[0] != NodeFormat.ContractBranch)
            throw new CorruptStoreException($"Node {node} should be a contract-tree node.");
        var (_, left, right) = NodeFormat.DecodeBranch(bytes, _ => Domain.EmptyState);
        return (left, right);
    }
}
