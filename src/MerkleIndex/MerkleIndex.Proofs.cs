using Piecrust.Storage;

namespace Piecrust.Merkle;

public sealed partial class MerkleIndex
{
    /// <summary>The most bytes one range proof proves (all its ranges together): 256 MiB, a bound on what a prover allocates.</summary>
    public const int MaxRangeBytes = 1 << 28;

    /// <summary>A proof of page <paramref name="pageIndex"/> of contract <paramref name="id"/> in state <paramref name="root"/>, or null when the contract is absent.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The page lies at or beyond the memory's length (nothing outside the memory is provable).</exception>
    public PageProof? ProvePage(Hash root, ContractId id, ulong pageIndex, StagedObjects? staged = null)
    {
        var (siblings, terminal) = ContractPath(root, id, staged);
        if (terminal is not { } leaf || leaf.Id != id) return null;
        if (ProofRules.Page(pageIndex, leaf.MemoryLength, leaf.Is64) is { } problem)
            throw new ArgumentOutOfRangeException(nameof(pageIndex), problem);

        int height = leaf.Height;
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

    /// <summary>
    /// One proof of byte ranges of several contracts' memories in state <paramref name="root"/>, with
    /// the proven bytes (in ascending contract order, whatever the order of <paramref name="ranges"/>);
    /// null when a contract is absent.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No ranges, more than <see cref="RangeProof.MaxEntries"/>, one contract twice, more than
    /// <see cref="MaxRangeBytes"/> bytes in all, or a range reaching beyond its memory's length.
    /// </exception>
    public ProvenRange? ProveRange(Hash root, IReadOnlyList<MemoryRange> ranges, StagedObjects? staged = null)
    {
        if (ranges.Count is 0 or > RangeProof.MaxEntries)
            throw new ArgumentException($"A range proof covers 1 to {RangeProof.MaxEntries} contracts, got {ranges.Count}.", nameof(ranges));
        var sorted = ranges.OrderBy(r => r.Contract).ToArray();
        for (int i = 1; i < sorted.Length; i++)
            if (sorted[i].Contract == sorted[i - 1].Contract)
                throw new ArgumentException($"Contract {sorted[i].Contract} is asked for twice; one range proof proves one range per contract.", nameof(ranges));
        ulong total = 0;
        foreach (var range in sorted)
        {
            total += Math.Min(range.Length, (ulong)MaxRangeBytes + 1);
            if (total > MaxRangeBytes)
                throw new ArgumentException($"A range proof proves at most {MaxRangeBytes} bytes in all.", nameof(ranges));
        }

        var ids = sorted.Select(r => r.Contract).ToArray();
        var leaves = new ContractLeaf[ids.Length];
        var depths = new int[ids.Length];
        var contractSiblings = new List<Hash>();
        if (!CollectLeaves(root, 0, ids, 0, ids.Length, leaves, depths, contractSiblings, staged)) return null;

        var data = new byte[total];
        var entries = new RangeProofEntry[ids.Length];
        int at = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            var (leaf, range) = (leaves[i], sorted[i]);
            if (ProofRules.Range(range.Offset, range.Length, leaf.MemoryLength, leaf.Is64) is { } problem)
                throw new ArgumentOutOfRangeException(nameof(ranges), $"Contract {leaf.Id}: {problem}");
            int length = (int)range.Length;
            entries[i] = ProveEntry(leaf, depths[i], range, data.AsSpan(at, length), staged);
            at += length;
        }
        return new ProvenRange(new RangeProof(entries, contractSiblings), data);
    }

    // The entry of one contract's range; writes the range's bytes into data.
    private RangeProofEntry ProveEntry(ContractLeaf leaf, int depth, MemoryRange range, Span<byte> data, StagedObjects? staged)
    {
        int height = leaf.Height;
        if (range.Length == 0)
            return new RangeProofEntry(leaf.Id, leaf.Bytecode, leaf.Owner, leaf.MemoryLength, leaf.Is64, 0, 0, depth, default, default, [leaf.PageTreeRoot]);

        ulong first = PageRange.FirstPage(range.Offset), last = PageRange.LastPage(range.Offset, range.Length);
        var keys = new Hash[last - first + 1];
        var neighbours = new Dictionary<(int Level, ulong Position), Hash>();
        CollectPages(leaf.PageTreeRoot, height, 0, first, last, keys, neighbours, staged);
        var pageSiblings = new List<Hash>(2 * height);
        ulong lo = first, hi = last;
        for (int level = 0; level < height; level++, lo >>= 1, hi >>= 1)
        {
            if ((lo & 1) == 1) pageSiblings.Add(neighbours[(level, lo - 1)]);
            if ((hi & 1) == 0) pageSiblings.Add(neighbours[(level, hi + 1)]);
        }

        var head = new byte[PageRange.HeadLength(range.Offset, range.Length)];
        var tail = new byte[PageRange.TailLength(range.Offset, range.Length)];
        var page = new byte[PageStore.PageSize];
        int written = 0;
        for (int p = 0; p < keys.Length; p++)
        {
            ReadPage(keys[p], page, staged);
            int from = p == 0 ? head.Length : 0;
            int to = p == keys.Length - 1 ? PageStore.PageSize - tail.Length : PageStore.PageSize;
            if (p == 0) page.AsSpan(0, head.Length).CopyTo(head);
            if (p == keys.Length - 1) page.AsSpan(to).CopyTo(tail);
            page.AsSpan(from, to - from).CopyTo(data[written..]);
            written += to - from;
        }
        return new RangeProofEntry(leaf.Id, leaf.Bytecode, leaf.Owner, leaf.MemoryLength, leaf.Is64,
            range.Offset, range.Length, depth, head, tail, pageSiblings);
    }

    // Walks the subtree [start, start + 2^level) of a page tree, which overlaps pages first..last: records
    // the keys of those pages and the values of the children that lie wholly outside them (the siblings).
    private void CollectPages(Hash reference, int level, ulong start, ulong first, ulong last, Hash[] keys,
        Dictionary<(int Level, ulong Position), Hash> neighbours, StagedObjects? staged)
    {
        if (level == 0)
        {
            keys[start - first] = reference;
            return;
        }
        var (left, right) = PageChildren(reference, level, staged);
        ulong half = 1UL << (level - 1);
        foreach (var (child, childStart) in new[] { (left, start), (right, start + half) })
        {
            if (childStart + half - 1 < first || childStart > last)
                neighbours[(level - 1, childStart >> (level - 1))] = PageTree.ChildValue(level - 1, child);
            else
                CollectPages(child, level - 1, childStart, first, last, keys, neighbours, staged);
        }
    }

    private void ReadPage(Hash key, Span<byte> destination, StagedObjects? staged)
    {
        if (staged is not null && staged.TryGet(ObjectRef.Page(key), out var page)) page.Span.CopyTo(destination);
        else Store.ReadPage(key, destination);
    }

    // Walks the contract tree down to the leaves of ids[a..b) (ascending, sharing their first k bits), recording
    // each leaf and its depth and, in walk order, the values of the subtrees that hold none of them. False when one is absent.
    private bool CollectLeaves(Hash node, int k, ContractId[] ids, int a, int b, ContractLeaf[] leaves, int[] depths,
        List<Hash> siblings, StagedObjects? staged)
    {
        if (node == Domain.EmptyState) return false;
        var bytes = Node(node, staged).Span;
        if (bytes[0] == NodeFormat.ContractLeafNode)
        {
            var leaf = NodeFormat.DecodeLeaf(bytes);
            if (b - a != 1 || leaf.Id != ids[a]) return false;
            leaves[a] = leaf;
            depths[a] = k;
            return true;
        }
        var (left, right) = ContractChildren(node, bytes);
        int m = a;
        while (m < b && !ids[m].Bit(k)) m++;
        if (m == a) siblings.Add(left);
        else if (!CollectLeaves(left, k + 1, ids, a, m, leaves, depths, siblings, staged)) return false;
        if (m == b) siblings.Add(right);
        else if (!CollectLeaves(right, k + 1, ids, m, b, leaves, depths, siblings, staged)) return false;
        return true;
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
