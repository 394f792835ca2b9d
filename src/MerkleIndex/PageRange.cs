using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// The page-tree part of a range proof (docs/PROOFS.md, "Range proof"): the pages
/// <c>first..last</c> a byte range touches are folded level by level; at each level the covered
/// nodes are a run <c>lo..hi</c>, which needs its left neighbour when <c>lo</c> is odd and its right
/// neighbour when <c>hi</c> is even. Those neighbours are the siblings, bottom-up, left before right.
/// An empty range has one sibling: the page-tree root itself.
/// </summary>
internal static class PageRange
{
    public static ulong FirstPage(ulong offset) => offset / PageStore.PageSize;

    public static ulong LastPage(ulong offset, ulong length) => (offset + length - 1) / PageStore.PageSize;

    /// <summary>Bytes of the first page before the range.</summary>
    public static int HeadLength(ulong offset, ulong length) => length == 0 ? 0 : (int)(offset % PageStore.PageSize);

    /// <summary>Bytes of the last page after the range.</summary>
    public static int TailLength(ulong offset, ulong length) =>
        length == 0 ? 0 : (int)((PageStore.PageSize - (offset + length) % PageStore.PageSize) % PageStore.PageSize);

    /// <summary>The page-tree level of each sibling, in proof order. The range must pass <see cref="ProofRules.Range"/>.</summary>
    public static int[] SiblingLevels(ulong offset, ulong length, int height)
    {
        if (length == 0) return [height];
        var levels = new List<int>(2 * height);
        ulong lo = FirstPage(offset), hi = LastPage(offset, length);
        for (int level = 0; level < height; level++, lo >>= 1, hi >>= 1)
        {
            if ((lo & 1) == 1) levels.Add(level);
            if ((hi & 1) == 0) levels.Add(level);
        }
        return levels.ToArray();
    }

    /// <summary>The page-tree root the entry's siblings and the range's bytes lead to; <paramref name="data"/> is exactly the range's bytes.</summary>
    public static Hash Fold(RangeProofEntry entry, ReadOnlySpan<byte> data)
    {
        if (entry.Length == 0) return entry.PageSiblings[0];
        int height = PageTree.HeightFor(entry.Is64);
        ulong lo = FirstPage(entry.Offset), hi = LastPage(entry.Offset, entry.Length);
        var head = entry.Head.Span;
        var tail = entry.Tail.Span;

        // Level 0: the leaf values of the pages head ‖ data ‖ tail.
        var level = new Hash[checked((int)(hi - lo + 1))];
        Span<byte> page = stackalloc byte[PageStore.PageSize];
        for (int p = 0; p < level.Length; p++)
        {
            Concatenated(head, data, tail, p * PageStore.PageSize, page);
            level[p] = Domain.HashPageLeaf(PageStore.PageKey(page));
        }

        int next = 0;
        var siblings = entry.PageSiblings;
        for (int l = 0; l < height; l++, lo >>= 1, hi >>= 1)
        {
            bool left = (lo & 1) == 1, right = (hi & 1) == 0;
            var run = new Hash[level.Length + (left ? 1 : 0) + (right ? 1 : 0)];
            int at = 0;
            if (left) run[at++] = siblings[next++];
            level.CopyTo(run, at);
            if (right) run[^1] = siblings[next++];
            level = new Hash[run.Length / 2];
            for (int i = 0; i < level.Length; i++)
                level[i] = Domain.HashPair(Domain.PageInternal, run[2 * i], run[2 * i + 1]);
        }
        return level[0];
    }

    // Copies bytes [start, start + destination.Length) of a ‖ b ‖ c into destination.
    private static void Concatenated(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, int start, Span<byte> destination)
    {
        int written = 0;
        CopyPart(a, ref start, destination, ref written);
        CopyPart(b, ref start, destination, ref written);
        CopyPart(c, ref start, destination, ref written);
    }

    private static void CopyPart(ReadOnlySpan<byte> part, ref int start, Span<byte> destination, ref int written)
    {
        if (start >= part.Length)
        {
            start -= part.Length;
            return;
        }
        int count = Math.Min(part.Length - start, destination.Length - written);
        part.Slice(start, count).CopyTo(destination[written..]);
        written += count;
        start = 0;
    }
}
