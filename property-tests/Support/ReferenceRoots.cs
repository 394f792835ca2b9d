using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.PropertyTests.Support;

/// <summary>
/// State roots computed straight from their definitions, with none of the index's code paths
/// (no persistent updates, no node encoding, no stored nodes): the oracle the properties compare
/// the incrementally maintained trees against. Only the hash primitives of <see cref="Domain"/> are shared.
/// </summary>
public static class ReferenceRoots
{
    // _emptyValue[h]: the Merkle value of an all-zero subtree of height h (h = 0: the zero page's leaf value).
    private static readonly Hash[] _emptyValue = BuildEmpty();

    private static Hash[] BuildEmpty()
    {
        var empty = new Hash[PageTree.MaxHeight + 1];
        empty[0] = Domain.HashPageLeaf(Hash.Of(new byte[PageStore.PageSize]));
        for (int h = 1; h <= PageTree.MaxHeight; h++) empty[h] = Domain.HashPair(Domain.PageInternal, empty[h - 1], empty[h - 1]);
        return empty;
    }

    /// <summary>The root of a page tree of <paramref name="height"/> holding <paramref name="pages"/> (index → key; zero keys count as absent).</summary>
    public static Hash PageTreeRoot(IReadOnlyDictionary<ulong, Hash> pages, int height)
    {
        var present = pages.Where(p => p.Value != PageStore.ZeroPageKey).OrderBy(p => p.Key).ToArray();
        return PageValue(present, height);
    }

    private static Hash PageValue(ReadOnlySpan<KeyValuePair<ulong, Hash>> pages, int level)
    {
        if (pages.IsEmpty) return _emptyValue[level];
        if (level == 0) return Domain.HashPageLeaf(pages[0].Value);
        int split = 0;
        while (split < pages.Length && ((pages[split].Key >> (level - 1)) & 1) == 0) split++;
        return Domain.HashPair(Domain.PageInternal, PageValue(pages[..split], level - 1), PageValue(pages[split..], level - 1));
    }

    /// <summary>
    /// The root of the canonical contract tree holding <paramref name="leaves"/>: empty → the empty
    /// state, one leaf → its hash, more → a branch over the leaves split by the next id bit.
    /// </summary>
    public static Hash ContractRoot(IEnumerable<ContractLeaf> leaves) =>
        ContractValue(leaves.OrderBy(l => l.Id).ToArray(), 0);

    private static Hash ContractValue(ReadOnlySpan<ContractLeaf> leaves, int depth)
    {
        if (leaves.IsEmpty) return Domain.EmptyState;
        if (leaves.Length == 1) return leaves[0].Hash;
        int split = 0;
        while (split < leaves.Length && !leaves[split].Id.Bit(depth)) split++;
        return Domain.HashPair(Domain.ContractInternal, ContractValue(leaves[..split], depth + 1), ContractValue(leaves[split..], depth + 1));
    }
}
