using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Merkle structure over a <see cref="PageStore"/>: one page tree per contract memory and a
/// sparse contract tree keyed by contract id whose root is the state root. Trees are persistent:
/// an update returns a new root and stages only the nodes on the changed paths (O(k·height) for
/// k pages), sharing everything else with the old root. Updates read staged nodes before stored ones,
/// so several updates can be chained before one commit writes the reachable result.
/// Thread-safe: it holds no mutable state but a node cache; each <see cref="StagedObjects"/> has one owner.
/// </summary>
public sealed partial class MerkleIndex
{
    private readonly NodeReader _nodes;

    /// <summary>Creates the index over <paramref name="store"/>, which must have been opened with <see cref="NodeLayout.Instance"/>.</summary>
    public MerkleIndex(PageStore store)
    {
        if (store.Layout is not NodeLayout)
            throw new ArgumentException("The store must be opened with NodeLayout.Instance.", nameof(store));
        Store = store;
        _nodes = new NodeReader(store);
    }

    /// <summary>The store the trees live in.</summary>
    public PageStore Store { get; }

    /// <summary>Opens a durable store in <paramref name="directory"/> with this index's node layout.</summary>
    public static PageStore OpenStore(string directory, PageStoreOptions? options = null) =>
        PageStore.Open(directory, NodeLayout.Instance, options);

    /// <summary>Creates an ephemeral store with this index's node layout.</summary>
    public static PageStore EphemeralStore(PageStoreOptions? options = null) =>
        PageStore.Ephemeral(NodeLayout.Instance, options);

    /// <summary>
    /// Keeps the nodes of a commit being or just written in the node cache, so the next update of the
    /// same trees does not read them back from the store. Staged nodes are valid by construction (their
    /// keys were computed from their bytes), so caching one the commit did not reach, or of a commit
    /// whose write then failed, is harmless: a node is read by its key, and what a live tree reaches is stored.
    /// Safe to call while another thread reads <paramref name="staged"/> (nothing may change it meanwhile).
    /// </summary>
    public void RememberCommitted(StagedObjects staged)
    {
        foreach (var (key, bytes) in staged.Nodes) _nodes.Add(key, bytes.Span);
    }

    private ReadOnlyMemory<byte> Node(Hash key, StagedObjects? staged) => _nodes.Read(key, staged);
}
