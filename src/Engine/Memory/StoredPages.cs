using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// A memory's stored pages read <see cref="Batch"/> at a time, so each batch is verified together
/// (<see cref="PageStore.ReadPages"/>): building a dense memory's image spent half its time hashing
/// pages one by one (ColdStartBench).
/// </summary>
internal static class StoredPages
{
    /// <summary>Pages read and verified together.</summary>
    public const int Batch = 64;

    /// <summary>
    /// The non-zero pages of <paramref name="leaf"/>'s memory from page <paramref name="from"/> on,
    /// ascending. The bytes are in a buffer the next batch reuses: copy a page before asking for the next.
    /// </summary>
    /// <exception cref="CorruptStoreException">A node or page is missing or damaged.</exception>
    public static IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> Read(MerkleIndex index, ContractLeaf leaf, ulong from)
    {
        var batch = new List<PageChange>(Batch);
        Memory<byte>[] slots = [];
        foreach (var page in index.Pages(leaf.PageTreeRoot, leaf.Height, from))
        {
            batch.Add(page);
            if (batch.Count < Batch) continue;
            foreach (var read in Take(index.Store, batch, ref slots)) yield return read;
        }
        foreach (var read in Take(index.Store, batch, ref slots)) yield return read;
    }

    // Reads the batch into the slots (made as large as the first batch needs: a small memory reads into a small buffer).
    private static (ulong, ReadOnlyMemory<byte>)[] Take(PageStore store, List<PageChange> batch, ref Memory<byte>[] slots)
    {
        if (slots.Length < batch.Count)
        {
            var buffer = new byte[batch.Count * PageStore.PageSize];
            slots = [.. Enumerable.Range(0, batch.Count).Select(i => buffer.AsMemory(i * PageStore.PageSize, PageStore.PageSize))];
        }
        var taken = slots[..batch.Count];
        store.ReadPages(batch.ConvertAll(page => page.Key), taken);
        var read = batch.Select((page, slot) => (page.Index, (ReadOnlyMemory<byte>)taken[slot])).ToArray();
        batch.Clear();
        return read;
    }
}
