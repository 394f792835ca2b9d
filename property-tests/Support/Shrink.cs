namespace Piecrust.PropertyTests.Support;

/// <summary>
/// Shrinkers for generated lists: FsCheck tries each candidate in turn and keeps the first that
/// still fails, so the cheapest, biggest cuts come first (halves), then single removals, then
/// simpler elements.
/// </summary>
public static class Shrink
{
    /// <summary>Shorter lists (at least <paramref name="minCount"/> long), then lists with one element simplified.</summary>
    public static IEnumerable<T[]> List<T>(IReadOnlyList<T> list, Func<T, IEnumerable<T>>? element = null, int minCount = 0)
    {
        int n = list.Count;
        if (n > minCount)
        {
            if (n >= 4 && n / 2 >= minCount)
            {
                yield return list.Take(n / 2).ToArray();
                yield return list.Skip(n - n / 2).ToArray();
            }
            for (int i = 0; i < n; i++)
                yield return list.Where((_, j) => j != i).ToArray();
        }
        if (element is null) yield break;
        for (int i = 0; i < n; i++)
        {
            foreach (var simpler in element(list[i]))
            {
                var copy = list.ToArray();
                copy[i] = simpler;
                yield return copy;
            }
        }
    }

    /// <summary>Simpler page writes: zero page → none, other contents → the zero page and the small pool's first page.</summary>
    public static IEnumerable<PageWrite> Write(PageWrite write)
    {
        if (write.Content.Seed > 1) yield return write with { Content = new PageContent(1) };
        if (!write.Content.IsZero) yield return write with { Content = PageContent.Zero };
    }
}
