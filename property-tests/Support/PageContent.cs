using System.Collections.Concurrent;
using Piecrust.Storage;

namespace Piecrust.PropertyTests.Support;

/// <summary>
/// The bytes of a generated page, named by a small number so counterexamples stay readable:
/// 0 is the all-zero page, 1–999 are sparse pages (64 random bytes somewhere in the page; a small
/// pool of them makes duplicate pages common), 1000 and up are fully random (incompressible) pages.
/// </summary>
public readonly record struct PageContent(int Seed)
{
    private static readonly ConcurrentDictionary<int, byte[]> _bytes = new();

    /// <summary>The all-zero page.</summary>
    public static readonly PageContent Zero = new(0);

    /// <summary>True for the all-zero page.</summary>
    public bool IsZero => Seed == 0;

    /// <summary>The page's 4096 bytes (shared and never mutated: copy before changing them).</summary>
    public byte[] Bytes => _bytes.GetOrAdd(Seed, Make);

    /// <summary>The page's key (<see cref="PageStore.ZeroPageKey"/> for the zero page).</summary>
    public Hash Key => PageStore.PageKey(Bytes);

    private static byte[] Make(int seed)
    {
        var page = new byte[PageStore.PageSize];
        if (seed == 0) return page;
        var random = new Random(seed);
        if (seed >= 1000)
        {
            random.NextBytes(page);
        }
        else
        {
            int offset = random.Next(0, PageStore.PageSize - 64);
            random.NextBytes(page.AsSpan(offset, 64));
        }
        page[seed % PageStore.PageSize] |= 1; // never all zeros
        return page;
    }

    /// <inheritdoc/>
    public override string ToString() => Seed == 0 ? "zero" : $"p{Seed}";
}
