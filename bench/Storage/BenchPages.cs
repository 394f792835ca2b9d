using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>What a benchmark page holds.</summary>
public enum PageContent
{
    /// <summary>64–512 random non-zero bytes at the start, zeros after: a typical contract page, LZ4 shrinks it ~10×.</summary>
    Sparse,

    /// <summary>4096 random bytes: does not compress, stored raw.</summary>
    Random,
}

/// <summary>Deterministic benchmark pages.</summary>
internal static class BenchPages
{
    /// <summary>A page of the given content, from <paramref name="random"/>.</summary>
    public static byte[] Make(PageContent content, Random random)
    {
        var page = new byte[PageStore.PageSize];
        int length = content == PageContent.Random ? page.Length : random.Next(64, 513);
        random.NextBytes(page.AsSpan(0, length));
        if (content == PageContent.Sparse)
            for (int i = 0; i < length; i++)
                if (page[i] == 0) page[i] = 1;
        return page;
    }

    /// <summary>Writes <paramref name="stamp"/> over the first 8 bytes, making the page new content.</summary>
    public static void Stamp(byte[] page, ulong stamp) => BinaryPrimitives.WriteUInt64LittleEndian(page, stamp);

    /// <summary><paramref name="count"/> distinct indices below <paramref name="below"/>, ascending.</summary>
    public static ulong[] Indices(Random random, int count, ulong below)
    {
        var set = new HashSet<ulong>();
        while (set.Count < count) set.Add((ulong)random.NextInt64((long)below));
        return set.Order().ToArray();
    }

    /// <summary>
    /// A 32-byte key standing in for a content hash without paying for one: SplitMix64 of
    /// <paramref name="n"/>, so keys are spread over the key space like hashes are.
    /// </summary>
    public static void StandInKey(ulong n, Span<byte> key)
    {
        ulong state = n;
        for (int i = 0; i < 4; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            BinaryPrimitives.WriteUInt64BigEndian(key[(8 * i)..], z ^ (z >> 31));
        }
    }

    /// <summary>A fresh temporary directory path (not created).</summary>
    public static string TempDirectory(string what) =>
        Path.Combine(Path.GetTempPath(), $"piecrust-bench-{what}-{Guid.NewGuid():N}");
}
