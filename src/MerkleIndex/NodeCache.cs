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
/// Several small generations rather than one large table: nodes go into the newest; when it is full
/// the oldest is dropped and a new one starts. Inserting into a table that fits the CPU caches is
/// what keeps caching a commit's nodes cheap (one table of 2^15 entries cost ~0.7 µs of cache misses
/// per node, one of 2^13 ~0.3 µs), and the generations together still hold a large working set
/// (IndexUpdateBench's 256-page updates over 4,096 pages read ~8,000 distinct nodes again and again).
/// A node found in the older half of the generations is copied into the newest, so what is still
/// used survives. A chunk is never written again where a node was copied, so the memory handed out
/// stays valid and unchanged for as long as a reader holds it (chunks of dropped generations are
/// left to the collector, not reused; their indexes are).
/// Thread-safe, in <see cref="Shards"/> shards by key, each with its own generations and one lock
/// around each lookup or insert: a commit builds its memories' page trees on several threads, and
/// behind one lock they spent most of their time waiting for each other (BlockBench).
/// </remarks>
internal sealed class NodeCache
{
    /// <summary>Nodes per generation, all shards together.</summary>
    internal const int GenerationEntries = 1 << 12;

    /// <summary>Generations kept: the cache holds between 7 and 8 generations' worth of nodes.</summary>
    internal const int Generations = 8;

    /// <summary>Independently locked parts of the cache (a key's shard is fixed by its hash).</summary>
    internal const int Shards = 8;

    private const int PromoteFromAge = Generations / 2;
    private const int GenerationBytes = 1 << 20;
    // Chunks grow from small to large, so a new index (a session's, say) does not pay for a big one.
    private const int FirstChunkBytes = 1 << 12;
    private const int MaxChunkBytes = 1 << 18;
    private const int MaxNodeBytes = 1 << 16; // larger nodes are not cached

    private readonly Shard[] _shards = Enumerable.Range(0, Shards).Select(_ => new Shard()).ToArray();

    public bool TryGet(Hash key, out ReadOnlyMemory<byte> node) => ShardOf(key).TryGet(key, out node);

    /// <summary>Caches a copy of <paramref name="node"/> (which must be valid: the cache does not verify it).</summary>
    public void Add(Hash key, ReadOnlySpan<byte> node)
    {
        if (node.Length > MaxNodeBytes) return;
        ShardOf(key).Add(key, node);
    }

    private Shard ShardOf(Hash key) => _shards[(uint)key.GetHashCode() % Shards];

    private sealed class Shard
    {
        private readonly object _lock = new();
        private readonly Generation?[] _ring = new Generation?[Generations];
        private int _newest;

        public Shard() => _ring[0] = new Generation();

        public bool TryGet(Hash key, out ReadOnlyMemory<byte> node)
        {
            lock (_lock)
            {
                for (int age = 0; age < Generations; age++)
                {
                    var generation = _ring[(_newest - age + Generations) % Generations];
                    if (generation is null) break;
                    if (!generation.TryGet(key, out node)) continue;
                    if (age >= PromoteFromAge) AddLocked(key, node.Span);
                    return true;
                }
                node = default;
                return false;
            }
        }

        public void Add(Hash key, ReadOnlySpan<byte> node)
        {
            lock (_lock) AddLocked(key, node);
        }

        private void AddLocked(Hash key, ReadOnlySpan<byte> node)
        {
            if (_ring[_newest]!.TryAdd(key, node)) return;
            _newest = (_newest + 1) % Generations;
            // The oldest is dropped; its index is reused (a new one grew through large-object arrays).
            var generation = _ring[_newest] ??= new Generation();
            generation.Reset();
            generation.TryAdd(key, node);
        }
    }

    private sealed class Generation
    {
        private readonly Dictionary<Hash, (int Chunk, int Offset, int Length)> _index = new();
        private List<byte[]> _chunks = [];
        private int _used; // bytes used in the last chunk
        private int _total; // bytes of all chunks

        // Empties the generation. Its chunks are left to readers still holding nodes in them, never written again.
        public void Reset()
        {
            _index.Clear();
            _chunks = [];
            _used = 0;
            _total = 0;
        }

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
            bool fits = _chunks.Count > 0 && _chunks[^1].Length - _used >= node.Length;
            int nextChunk = _chunks.Count == 0 ? FirstChunkBytes : Math.Min(MaxChunkBytes / Shards, 2 * _chunks[^1].Length);
            nextChunk = Math.Max(nextChunk, node.Length);
            bool full = _index.Count >= GenerationEntries / Shards || (!fits && _total + nextChunk > GenerationBytes / Shards);
            if (full) return _index.ContainsKey(key);
            ref var at = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool exists);
            if (exists) return true;
            if (!fits)
            {
                _chunks.Add(new byte[nextChunk]);
                _total += nextChunk;
                _used = 0;
            }
            node.CopyTo(_chunks[^1].AsSpan(_used));
            at = (_chunks.Count - 1, _used, node.Length);
            _used += node.Length;
            return true;
        }
    }
}
