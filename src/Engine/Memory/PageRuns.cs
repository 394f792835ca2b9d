namespace Piecrust.Memory;

/// <summary>Runs of consecutive pages: each costs one mmap call, and one entry against vm.max_map_count.</summary>
internal static class PageRuns
{
    private const int PageSize = Storage.PageStore.PageSize;

    /// <summary>How many runs of consecutive indices <paramref name="ascendingPages"/> (ascending, distinct) form.</summary>
    public static int Count(IEnumerable<ulong> ascendingPages)
    {
        int runs = 0;
        ulong? previous = null;
        foreach (ulong page in ascendingPages)
        {
            if (page != previous + 1) runs++;
            previous = page;
        }
        return runs;
    }

    /// <summary>The runs of consecutive indices in <paramref name="ascendingPages"/> (ascending, distinct): first page and length.</summary>
    public static IEnumerable<(ulong Start, ulong Count)> Of(IReadOnlyList<ulong> ascendingPages)
    {
        int i = 0;
        while (i < ascendingPages.Count)
        {
            int j = i + 1;
            while (j < ascendingPages.Count && ascendingPages[j] == ascendingPages[j - 1] + 1) j++;
            yield return (ascendingPages[i], (ulong)(j - i));
            i = j;
        }
    }

    /// <summary>
    /// The runs of <paramref name="slots"/> (sorted by page) that one mmap call each can map:
    /// consecutive pages stored at consecutive file offsets.
    /// </summary>
    public static IEnumerable<(ulong Page, long Slot, int Count)> OfSlots(IReadOnlyList<(ulong Page, long Slot)> slots)
    {
        int i = 0;
        while (i < slots.Count)
        {
            int j = i + 1;
            while (j < slots.Count && slots[j].Page == slots[j - 1].Page + 1 && slots[j].Slot == slots[j - 1].Slot + PageSize) j++;
            yield return (slots[i].Page, slots[i].Slot, j - i);
            i = j;
        }
    }
}
