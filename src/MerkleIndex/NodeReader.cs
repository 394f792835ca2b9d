using System.Collections.Concurrent;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Reads nodes from staged objects first, then from a small shared cache, then from the store
/// (verified). Nodes are immutable and content-addressed, so a cached node can never be stale.
/// </summary>
internal sealed class NodeReader
{
    private const int CacheLimit = 1 << 16;
    private readonly PageStore _store;
    private readonly ConcurrentDictionary<Hash, byte[]> _cache = new();

    // Entries added since the last clear. Kept by hand because ConcurrentDictionary.Count takes every
    // bucket lock (up to 1024 once the table has grown): ~18 µs per call on the read path. Racing
    // readers may let it drift by a few entries, which only moves the crude bound below a little.
    private int _added;

    public NodeReader(PageStore store) => _store = store;

    public ReadOnlyMemory<byte> Read(Hash key, StagedObjects? staged)
    {
        if (staged is not null && staged.TryGet(ObjectRef.Node(key), out var node)) return node;
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var stored = _store.ReadNode(key);
        Add(key, stored);
        return stored;
    }

    /// <summary>Caches a node known to be valid (one a commit just wrote from staged, verified-by-construction bytes).</summary>
    public void Add(Hash key, byte[] node)
    {
        // A crude bound: dropping the whole cache now and then keeps memory flat without LRU bookkeeping.
        if (Volatile.Read(ref _added) >= CacheLimit)
        {
            _cache.Clear();
            Volatile.Write(ref _added, 0);
        }
        if (_cache.TryAdd(key, node)) Interlocked.Increment(ref _added);
    }
}
