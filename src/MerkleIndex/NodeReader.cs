using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Reads nodes from staged objects first, then from a small shared cache, then from the store
/// (verified). Nodes are immutable and content-addressed, so a cached node can never be stale.
/// </summary>
internal sealed class NodeReader
{
    private readonly PageStore _store;
    private readonly NodeCache _cache = new();

    public NodeReader(PageStore store) => _store = store;

    public ReadOnlyMemory<byte> Read(Hash key, StagedObjects? staged) => Read(key, staged, out _);

    /// <summary><see cref="Read(Hash, StagedObjects?)"/>, saying whether the node came from <paramref name="staged"/> (else it is a node of a tree the caller reached from a commit).</summary>
    public ReadOnlyMemory<byte> Read(Hash key, StagedObjects? staged, out bool wasStaged)
    {
        wasStaged = false;
        if (staged is not null && staged.TryGet(ObjectRef.Node(key), out var node))
        {
            wasStaged = true;
            return node;
        }
        if (_cache.TryGet(key, out var cached)) return cached;
        var stored = _store.ReadNode(key);
        _cache.Add(key, stored);
        return stored;
    }

    /// <summary>Caches a node known to be valid (one a commit just wrote from staged, verified-by-construction bytes).</summary>
    public void Add(Hash key, ReadOnlySpan<byte> node) => _cache.Add(key, node);
}
