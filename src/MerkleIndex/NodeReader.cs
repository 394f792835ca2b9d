using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Reads nodes from staged objects first, then from a small shared cache, then from the store
/// (verified). Nodes are immutable and content-addressed, so a cached node can never be stale.
/// </summary>
/// <remarks>
/// The cache is direct-mapped: a node's slot is fixed by its key (keys are uniform hashes), a new
/// node evicts whatever held its slot, and a slot is one reference swapped atomically. So readers
/// take no lock, a commit caching the nodes it wrote costs one allocation per node, and memory is
/// bounded without bookkeeping.
/// </remarks>
internal sealed class NodeReader
{
    private const int SlotBits = 16;
    private readonly PageStore _store;
    private readonly CachedNode?[] _slots = new CachedNode?[1 << SlotBits];

    public NodeReader(PageStore store) => _store = store;

    public ReadOnlyMemory<byte> Read(Hash key, StagedObjects? staged)
    {
        if (staged is not null && staged.TryGet(ObjectRef.Node(key), out var node)) return node;
        var cached = Volatile.Read(ref _slots[Slot(key)]);
        if (cached is not null && cached.Key == key) return cached.Bytes;
        var stored = _store.ReadNode(key);
        Add(key, stored);
        return stored;
    }

    /// <summary>Caches a node known to be valid (one a commit just wrote from staged, verified-by-construction bytes); the bytes must not change afterwards.</summary>
    public void Add(Hash key, byte[] node) => Volatile.Write(ref _slots[Slot(key)], new CachedNode(key, node));

    private static int Slot(Hash key) => key.GetHashCode() & ((1 << SlotBits) - 1);

    private sealed record CachedNode(Hash Key, byte[] Bytes);
}
