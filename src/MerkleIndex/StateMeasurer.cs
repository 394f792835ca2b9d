using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Measures states (contracts, memory bytes, non-zero pages) without reading a page: it walks the
/// contract and page trees, remembering the totals of every subtree it has measured, so measuring
/// many commits that share most of their trees costs about the distinct nodes, not commits × state.
/// Also collects the distinct contract ids seen. Not thread-safe; one measurer per job. Memory grows
/// with the distinct nodes measured.
/// </summary>
public sealed class StateMeasurer
{
    private readonly PageStore _store;
    private readonly Dictionary<Hash, StateTotals> _contractSubtrees = new();
    private readonly Dictionary<Hash, ulong> _pageSubtrees = new();
    private readonly HashSet<ContractId> _ids = new();

    /// <summary>Creates a measurer reading (verified) nodes from <paramref name="store"/>, which must use <see cref="NodeLayout.Instance"/>.</summary>
    public StateMeasurer(PageStore store)
    {
        if (store.Layout is not NodeLayout) throw new ArgumentException("The store must be opened with NodeLayout.Instance.", nameof(store));
        _store = store;
    }

    /// <summary>Distinct contract ids in every state measured so far.</summary>
    public int DistinctContracts => _ids.Count;

    /// <summary>Totals of the state with root <paramref name="root"/> (which the caller keeps alive, e.g. with a lease).</summary>
    /// <exception cref="CorruptStoreException">A node is missing or corrupt.</exception>
    public StateTotals Measure(Hash root) => MeasureContracts(root, 0);

    private StateTotals MeasureContracts(Hash node, int depth)
    {
        if (node == Domain.EmptyState) return default;
        if (_contractSubtrees.TryGetValue(node, out var known)) return known;
        if (depth > ContractId.Size * 8) throw new CorruptStoreException($"The contract tree under node {node} is deeper than 256 levels.");
        var bytes = _store.ReadNode(node);
        StateTotals totals;
        if (bytes[0] == NodeFormat.ContractLeafNode)
        {
            var leaf = NodeFormat.DecodeLeaf(bytes);
            _ids.Add(leaf.Id);
            totals = new StateTotals(1, leaf.MemoryLength, CountPages(leaf.PageTreeRoot, leaf.Height));
        }
        else if (bytes[0] == NodeFormat.ContractBranch)
        {
            var (_, left, right) = NodeFormat.DecodeBranch(bytes, _ => Domain.EmptyState);
            totals = MeasureContracts(left, depth + 1) + MeasureContracts(right, depth + 1);
        }
        else
        {
            throw new CorruptStoreException($"Node {node} should be a contract-tree node (tag 0x{bytes[0]:x2}).");
        }
        _contractSubtrees[node] = totals;
        return totals;
    }

    private ulong CountPages(Hash reference, int level)
    {
        if (level == 0) return reference == PageStore.ZeroPageKey ? 0UL : 1UL;
        if (reference == PageTree.EmptyRoot(level)) return 0;
        if (_pageSubtrees.TryGetValue(reference, out ulong known)) return known;
        var bytes = _store.ReadNode(reference);
        if (bytes[0] != NodeFormat.PageBranch) throw new CorruptStoreException($"Node {reference} should be a page-tree branch at level {level}.");
        var (storedLevel, left, right) = NodeFormat.DecodeBranch(bytes, PageTree.EmptyChild);
        if (storedLevel != level) throw new CorruptStoreException($"Node {reference} is a page-tree branch of level {storedLevel}, expected {level}.");
        var empty = PageTree.EmptyChild(level);
        ulong count = (left == empty ? 0 : CountPages(left, level - 1)) + (right == empty ? 0 : CountPages(right, level - 1));
        _pageSubtrees[reference] = count;
        return count;
    }
}
