using System.Runtime.InteropServices;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// A bounded cache of node bytes that costs the garbage collector nothing per node: nodes are
/// copied into large byte chunks and indexed by value (chunk, offset, length), so a cached node is
/// not an object the collector must trace and copy as it ages. (A dictionary of byte arrays did exactly
/// that: every commit's ~21 cached nodes were copied twice on their way to the old generation,
/// ~15 µs of collector pauses per one-page commit.)
/// </summary>
/// <remarks>
/// Two generations: nodes go into the current one; when it is full it becomes the previous one and
/// a new current one starts, so the cache keeps between one and two generations of nodes. A node
/// found in the previous generation is copied into the current one, so what is still used
/// survives. A chunk is never written again where a node was copied, so the memory handed out stays
/// valid and unchanged for as long as a reader holds it (chunks of old generations are dropped, not reused).
/// Thread-safe: one lock around each lookup or insert (a dictionary probe and a copy).
/// </remarks>
internal sealed class NodeCache
{
    private const int GenerationEntries = 1 << 15;
    private const int ChunkBytes = 1 << 18;
    private const int MaxChunks = 16;
    private const int MaxNodeBytes = ChunkBytes; // larger nodes are not cached

    private readonly object _lock = new();
    private Generation _current = new();
    private Generation _previous = new();

    public bool TryGet(Hash key, out ReadOnlyMemory<byte> node)
    {
        lock (_lock)
        {
            if (_current.TryGet(key, out node)) return true;
            if (!_previous.TryGet(key, out node)) return false;
            AddLocked(key, node.Span);
            return true;
        }
    }

    /// <summary>Caches a copy of <paramref name="node"/> (which must be valid: the cache does not verify it).</summary>
    public void Add(Hash key, ReadOnlySpan<byte> node)
    {
        if (node.Length > MaxNodeBytes) return;
        lock (_lock) AddLocked(key, node);
    }

    private void AddLocked(Hash key, ReadOnlySpan<byte> node)
    {
        if (_current.TryAdd(key, node)) return;
        _previous = _current;
        _current = new Generation();
        _current.TryAdd(key, node);
    }

    private sealed class Generation
    {
        private readonly Dictionary<Hash, (int Chunk, int Offset, int Length)> _index = new();
        private readonly List<byte[]> _chunks = [];
        private int _used = ChunkBytes; // of the last chunk; none yet

        public bool TryGet(Hash key, out ReadOnlyMemory<byte> node)
        {
            if (_index.TryGetValue(key, out var at))
            {
                node = _chunks[at.Chunk].AsMemory(at.Offset, at.Length);
                return true;
            }
            node = default;
            return false;
        }

        // True when the node is (now) in this generation; false when the generation is full.
        public bool TryAdd(Hash key, ReadOnlySpan<byte> node)
        {
            bool full = _index.Count >= GenerationEntries || (ChunkBytes - _used < node.Length && _chunks.Count == MaxChunks);
            if (full) return _index.ContainsKey(key);
            ref var at = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool exists);
            if (exists) return true;
            if (ChunkBytes - _used < node.Length)
            {
                _chunks.Add(new byte[ChunkBytes]);
                _used = 0;
            }
            node.CopyTo(_chunks[^1].AsSpan(_used));
            at = (_chunks.Count - 1, _used, node.Length);
            _used += node.Length;
            return true;
        }
    }
}
