using Piecrust.Merkle;
using Xunit;

namespace Piecrust.Tests.Merkle;

public sealed class NodeCacheTests
{
    private static byte[] Node(int i) => [.. BitConverter.GetBytes(i), .. Enumerable.Repeat((byte)(i * 7), 40 + i % 50)];

    private static Hash Key(int i) => Hash.Of(BitConverter.GetBytes(i));

    [Fact]
    public void Cached_nodes_read_back_exactly_and_memory_handed_out_never_changes_as_generations_turn_over()
    {
        var cache = new NodeCache();
        var handedOut = new List<(int Index, ReadOnlyMemory<byte> Bytes)>();
        const int Capacity = NodeCache.Generations * NodeCache.GenerationEntries;
        const int Total = 3 * Capacity + 1000;
        for (int i = 0; i < Total; i++)
        {
            cache.Add(Key(i), Node(i));
            if (i % 997 == 0)
            {
                Assert.True(cache.TryGet(Key(i), out var bytes));
                handedOut.Add((i, bytes));
            }
        }

        // The last 6 generations' worth is all there (each shard keeps at least 7 of its own, and keys
        // spread evenly over the shards: ~3,072 ± 55 of them per shard, room for 3,584); the oldest is gone (the cache is bounded).
        for (int i = Total - Capacity + 2 * NodeCache.GenerationEntries; i < Total; i++)
        {
            Assert.True(cache.TryGet(Key(i), out var bytes), $"node {i}");
            Assert.Equal(Node(i), bytes.ToArray());
        }
        Assert.False(cache.TryGet(Key(0), out _));
        // What readers were given earlier still holds the bytes it held then.
        foreach (var (index, bytes) in handedOut) Assert.Equal(Node(index), bytes.ToArray());
    }

    [Fact]
    public void A_node_still_used_survives_the_turn_of_a_generation()
    {
        var cache = new NodeCache();
        cache.Add(Key(-1), Node(-1));
        for (int i = 0; i < 3 * NodeCache.Generations * NodeCache.GenerationEntries; i++)
        {
            cache.Add(Key(i), Node(i));
            if (i % (NodeCache.GenerationEntries * 3) == 0) Assert.True(cache.TryGet(Key(-1), out _), $"lost after {i} inserts");
        }
        Assert.True(cache.TryGet(Key(-1), out var bytes));
        Assert.Equal(Node(-1), bytes.ToArray());
    }

    [Fact]
    public void Adding_a_cached_node_again_keeps_one_copy()
    {
        var cache = new NodeCache();
        cache.Add(Key(1), Node(1));
        Assert.True(cache.TryGet(Key(1), out var first));
        cache.Add(Key(1), Node(1));
        Assert.True(cache.TryGet(Key(1), out var second));
        Assert.True(first.Span == second.Span); // the same memory: not stored twice
    }
}
