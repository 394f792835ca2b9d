using Piecrust.Storage;

namespace Piecrust.Merkle;

public sealed partial class MerkleIndex
{
    /// <summary>
    /// Applies <paramref name="changes"/> (ascending, distinct indices below the tree's capacity)
    /// to the page tree <paramref name="root"/> of height <paramref name="height"/>, staging the new
    /// nodes, and returns the new root. Pages themselves must be staged by the caller.
    /// </summary>
    /// <param name="root">The tree to change.</param>
    /// <param name="height">Its height.</param>
    /// <param name="changes">The new page keys.</param>
    /// <param name="staged">Receives the new nodes.</param>
    /// <param name="rootIsLive">
    /// True when <paramref name="root"/> is a tree of a commit the caller keeps from deletion (a
    /// session's leased base): a child a new node keeps from one of its nodes is then stored, and is
    /// marked so (<see cref="StagedObjects.MarkStored"/>), sparing the commit a lookup per such child.
    /// </param>
    public Hash UpdatePages(Hash root, int height, ReadOnlySpan<PageChange> changes, StagedObjects staged, bool rootIsLive = false)
    {
        CheckHeight(height);
        for (int i = 0; i < changes.Length; i++)
        {
            if (changes[i].Index >= PageTree.Capacity(height))
                throw new ArgumentOutOfRangeException(nameof(changes), $"Page {changes[i].Index} is beyond a tree of height {height}.");
            if (i > 0 && changes[i].Index <= changes[i - 1].Index)
                throw new ArgumentException("Page changes must be in ascending order of index, without repeats.", nameof(changes));
        }
        return Update(root, height, 0, changes, staged, rootIsLive);
    }

    private Hash Update(Hash reference, int level, ulong start, ReadOnlySpan<PageChange> changes, StagedObjects staged, bool live)
    {
        if (changes.IsEmpty) return reference;
        if (level == 0)
        {
            staged.SetPreviousPage(changes[0].Key, reference); // the new page may be stored as its difference from the old
            return changes[0].Key;
        }

        var (oldLeft, oldRight) = PageChildren(reference, level, staged, out bool wasStaged);
        ulong middle = start + (1UL << (level - 1));
        int split = 0;
        while (split < changes.Length && changes[split].Index < middle) split++;
        var left = Update(oldLeft, level - 1, start, changes[..split], staged, live);
        var right = Update(oldRight, level - 1, middle, changes[split..], staged, live);

        var empty = PageTree.EmptyChild(level);
        if (live && !wasStaged)
        {
            // A node of the live tree: the child it keeps is stored (a stored node's children are).
            if (left == oldLeft && left != empty) staged.MarkStored(ChildRef(level, left));
            if (right == oldRight && right != empty) staged.MarkStored(ChildRef(level, right));
        }
        if (left == empty && right == empty) return PageTree.EmptyRoot(level);
        var key = Domain.HashPair(Domain.PageInternal, PageTree.ChildValue(level - 1, left), PageTree.ChildValue(level - 1, right));
        staged.AddNode(key, NodeFormat.EncodeBranch(NodeFormat.PageBranch, level, left, right, empty));
        return key;
    }

    /// <summary>The key of page <paramref name="index"/> (the zero page key when it is all zeros).</summary>
    public Hash PageKey(Hash root, int height, ulong index, StagedObjects? staged = null)
    {
        CheckHeight(height);
        if (index >= PageTree.Capacity(height)) throw new ArgumentOutOfRangeException(nameof(index));
        var reference = root;
        for (int level = height; level > 0; level--)
        {
            if (reference == PageTree.EmptyRoot(level)) return PageStore.ZeroPageKey;
            var (left, right) = PageChildren(reference, level, staged);
            reference = ((index >> (level - 1)) & 1) == 0 ? left : right;
        }
        return reference;
    }

    /// <summary>Every non-zero page of the tree, in ascending index order, as (index, key).</summary>
    public IEnumerable<PageChange> Pages(Hash root, int height, StagedObjects? staged = null) => Pages(root, height, 0, staged);

    /// <summary>
    /// Every non-zero page of the tree from index <paramref name="from"/> on, in ascending index order,
    /// as (index, key); subtrees wholly below <paramref name="from"/> are not read.
    /// </summary>
    public IEnumerable<PageChange> Pages(Hash root, int height, ulong from, StagedObjects? staged = null)
    {
        CheckHeight(height);
        var pending = new Stack<(Hash Reference, int Level, ulong Start)>();
        pending.Push((root, height, 0));
        while (pending.Count > 0)
        {
            var (reference, level, start) = pending.Pop();
            if (level == 0)
            {
                if (start >= from) yield return new PageChange(start, reference);
                continue;
            }
            if (reference == PageTree.EmptyRoot(level) || start + (1UL << level) <= from) continue;
            var (left, right) = PageChildren(reference, level, staged);
            var empty = PageTree.EmptyChild(level);
            if (right != empty) pending.Push((right, level - 1, start + (1UL << (level - 1))));
            if (left != empty) pending.Push((left, level - 1, start));
        }
    }

    private (Hash Left, Hash Right) PageChildren(Hash reference, int level, StagedObjects? staged) => PageChildren(reference, level, staged, out _);

    // wasStaged: the node came from the staged objects (not from a tree read from the store or its cache).
    private (Hash Left, Hash Right) PageChildren(Hash reference, int level, StagedObjects? staged, out bool wasStaged)
    {
        if (reference == PageTree.EmptyRoot(level))
        {
            var empty = PageTree.EmptyChild(level);
            wasStaged = true; // no node at all: nothing to vouch for
            return (empty, empty);
        }
        var node = _nodes.Read(reference, staged, out wasStaged).Span;
        if (node.Length == 0 || node[0] != NodeFormat.PageBranch)
            throw new CorruptStoreException($"Node {reference} should be a page-tree branch at level {level}.");
        var (storedLevel, left, right) = NodeFormat.DecodeBranch(node, PageTree.EmptyChild);
        if (storedLevel != level)
            throw new CorruptStoreException($"Node {reference} is a page-tree branch of level {storedLevel}, expected {level}.");
        return (left, right);
    }

    // A page-tree child: a page at level 1, a branch above.
    private static ObjectRef ChildRef(int level, Hash child) => level == 1 ? ObjectRef.Page(child) : ObjectRef.Node(child);

    private static void CheckHeight(int height)
    {
        if (height is not (PageTree.Height32 or PageTree.Height64))
            throw new ArgumentOutOfRangeException(nameof(height), $"A page tree has height {PageTree.Height32} or {PageTree.Height64}.");
    }
}
