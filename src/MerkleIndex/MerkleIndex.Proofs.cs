using Piecrust.Storage;

namespace Piecrust.Merkle;

public sealed partial class MerkleIndex
{
    /// <summary>A proof of page <paramref name="pageIndex"/> of contract <paramref name="id"/> in state <paramref name="root"/>, or null when the contract is absent.</summary>
    public PageProof? ProvePage(Hash root, ContractId id, ulong pageIndex, StagedObjects? staged = null)
    {
        var (siblings, terminal) = ContractPath(root, id, staged);
        if (terminal is not { } leaf || leaf.Id != id) return null;
        int height = leaf.Height;
        if (pageIndex >= PageTree.Capacity(height))
            throw new ArgumentOutOfRangeException(nameof(pageIndex), $"Page {pageIndex} is beyond the {PageTree.Capacity(height)} pages of this memory's address space.");

        var pageSiblings = new Hash[height];
        var reference = leaf.PageTreeRoot;
        for (int level = height; level > 0; level--)
        {
            var (left, right) = PageChildren(reference, level, staged);
            bool goRight = ((pageIndex >> (level - 1)) & 1) != 0;
            pageSiblings[level - 1] = PageTree.ChildValue(level - 1, goRight ? left : right);
            reference = goRight ? right : left;
        }
        return new PageProof(id, leaf.Bytecode, leaf.Owner, leaf.MemoryLength, leaf.Is64, pageIndex, pageSiblings, siblings);
    }

    /// <summary>A proof that contract <paramref name="id"/> is absent from state <paramref name="root"/>, or null when it is present.</summary>
    public AbsenceProof? ProveAbsence(Hash root, ContractId id, StagedObjects? staged = null)
    {
        var (siblings, terminal) = ContractPath(root, id, staged);
        if (terminal is null) return new AbsenceProof(id, siblings, null);
        if (terminal.Id == id) return null;
        return new AbsenceProof(id, siblings,
            new AbsenceProof.OtherLeaf(terminal.Id, terminal.Bytecode, Hash.Of(terminal.Owner.Span), terminal.MemoryRoot));
    }

    // Walks the id's path: siblings bottom-up, and the leaf that ends it (null for an empty subtree).
    private (Hash[] Siblings, ContractLeaf? Terminal) ContractPath(Hash root, ContractId id, StagedObjects? staged)
    {
        var topDown = new List<Hash>();
        var node = root;
        ContractLeaf? terminal = null;
        while (node != Domain.EmptyState)
        {
            var bytes = Node(node, staged).Span;
            if (bytes[0] == NodeFormat.ContractLeafNode)
            {
                terminal = NodeFormat.DecodeLeaf(bytes);
                break;
            }
            var (left, right) = ContractChildren(node, bytes);
            bool goRight = id.Bit(topDown.Count);
            topDown.Add(goRight ? left : right);
            node = goRight ? right : left;
        }
        topDown.Reverse();
        return (topDown.ToArray(), terminal);
    }
}
