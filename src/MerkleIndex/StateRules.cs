using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// What a node may be in its place, shared by the snapshot import and fsck: contract-tree nodes
/// under the root and contract branches (a canonical tree whose leaves sit where their ids lead),
/// page-tree branches of exactly the level below their parent's under contract leaves (so a
/// memory's page tree has its width's height and no page lies beyond its width's maximum size),
/// and leaves that keep <see cref="ContractRules"/>. Pages and bytecode are placed by the kind of
/// their references; bytecode meaning is the engine's (<see cref="IBytecodeValidator"/>).
/// </summary>
internal static class StateRules
{
    private const int IdBits = ContractId.Size * 8;

    /// <summary>
    /// Checks <paramref name="node"/> (well-formed bytes of node <paramref name="key"/>) in
    /// <paramref name="place"/>; on success adds its children with their places and returns null,
    /// else returns the rule it breaks. <paramref name="treeOf"/> is the contract whose page-tree
    /// root the node is meant to be (for a clearer message), <paramref name="leaf"/> the decoded
    /// contract leaf when the node is one in its place (also when the leaf's own fields break a rule).
    /// </summary>
    public static string? CheckNode(Hash key, ReadOnlySpan<byte> node, StatePlace place, ContractLeaf? treeOf,
        List<(ObjectRef Child, StatePlace Place)> children, out ContractLeaf? leaf)
    {
        leaf = null;
        byte tag = node[0];
        if (place.Kind == PlaceKind.PageBranch)
        {
            if (tag != NodeFormat.PageBranch)
                return $"node {key} is {Describe(tag)} where {place} belongs{(treeOf is not null ? $" (the root of contract {treeOf.Id}'s page tree)" : "")}";
            var (level, left, right) = NodeFormat.DecodeBranch(node, PageTree.EmptyChild);
            if (level != place.Level)
                return treeOf is not null ? WrongTreeHeight(treeOf, key, level) : $"node {key} is a page-tree branch of level {level} where one of level {place.Level} belongs";
            var empty = PageTree.EmptyChild(level);
            var kind = level == 1 ? ObjectKind.Page : ObjectKind.Node;
            var childPlace = level == 1 ? StatePlace.Page : StatePlace.PageBranch(level - 1);
            if (left != empty) children.Add((new ObjectRef(kind, left), childPlace));
            if (right != empty) children.Add((new ObjectRef(kind, right), childPlace));
            return null;
        }
        if (place.Kind != PlaceKind.ContractNode) return $"node {key} sits where {place} belongs";

        if (tag == NodeFormat.ContractBranch)
        {
            if (place.Level >= IdBits) return $"node {key} is a contract-tree branch at depth {place.Level}, below the {IdBits} levels ids have";
            var (_, left, right) = NodeFormat.DecodeBranch(node, _ => Domain.EmptyState);
            bool hasLeft = left != Domain.EmptyState, hasRight = right != Domain.EmptyState;
            if (hasLeft) children.Add((ObjectRef.Node(left), place.ContractChild(right: false, sole: !hasRight)));
            if (hasRight) children.Add((ObjectRef.Node(right), place.ContractChild(right: true, sole: !hasLeft)));
            return null;
        }
        if (tag != NodeFormat.ContractLeafNode) return $"node {key} is {Describe(tag)} where {place} belongs";

        var decoded = NodeFormat.DecodeLeaf(node);
        if (place.Sole)
            return $"contract {decoded.Id}'s leaf is the only child of a contract-tree branch at depth {place.Level - 1}: the tree is not canonical (the branch should be the leaf itself)";
        for (int bit = 0; bit < place.Level; bit++)
            if (decoded.Id.Bit(bit) != place.Path.Bit(bit))
                return $"contract {decoded.Id}'s leaf sits at depth {place.Level} of the contract tree, on a path its id does not lead to (bit {bit} differs)";
        // In its place: from here on a failure is the contract's own (reported with the leaf).
        leaf = decoded;
        if (ContractRules.CheckLeaf(leaf) is { } broken) return broken;
        children.Add((ObjectRef.Bytecode(leaf.Bytecode), StatePlace.Bytecode));
        if (leaf.PageTreeRoot != PageTree.EmptyRoot(leaf.Height)) children.Add((ObjectRef.Node(leaf.PageTreeRoot), StatePlace.PageBranch(leaf.Height)));
        return null;
    }

    /// <summary>
    /// The rule a page-tree root of the wrong level breaks, said in terms of memory: a taller tree
    /// than the width's holds pages beyond the width's maximum size.
    /// </summary>
    private static string WrongTreeHeight(ContractLeaf leaf, Hash node, int level) =>
        level > leaf.Height
            ? $"contract {leaf.Id}'s page tree (root {node}) has {level} levels where a {ContractRules.Width(leaf.Is64)} memory's has {leaf.Height}: it can hold pages beyond the {ContractRules.Width(leaf.Is64)} maximum memory size"
            : $"contract {leaf.Id}'s page tree (root {node}) has {level} levels where a {ContractRules.Width(leaf.Is64)} memory's has {leaf.Height}";

    private static string Describe(byte tag) => tag switch
    {
        NodeFormat.PageBranch => "a page-tree branch",
        NodeFormat.ContractBranch => "a contract-tree branch",
        NodeFormat.ContractLeafNode => "a contract leaf",
        _ => $"a node with tag 0x{tag:x2}",
    };
}
