using System.Buffers;
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
        byte[]? buffer = null; // as large as the first batch needs: a small memory reads into a small buffer
        try
        {
            foreach (var page in index.Pages(leaf.PageTreeRoot, leaf.Height, from))
            {
                batch.Add(page);
                if (batch.Count < Batch) continue;
                foreach (var read in Take(index.Store, batch, ref buffer)) yield return read;
            }
            foreach (var read in Take(index.Store, batch, ref buffer)) yield return read;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (ulong, ReadOnlyMemory<byte>)[] Take(PageStore store, List<PageChange> batch, ref byte[]? buffer)
    {
        if (batch.Count == 0) return [];
        if (buffer is null || buffer.Length < batch.Count * PageStore.PageSize)
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            buffer = null; // not returned twice if renting fails
            buffer = ArrayPool<byte>.Shared.Rent(batch.Count * PageStore.PageSize);
        }
        var pages = buffer;
        var slots = Enumerable.Range(0, batch.Count).Select(i => pages.AsMemory(i * PageStore.PageSize, PageStore.PageSize)).ToArray();
        store.ReadPages(batch.ConvertAll(page => page.Key), slots);
        var read = batch.Select((page, slot) => (page.Index, (ReadOnlyMemory<byte>)slots[slot])).ToArray();
        batch.Clear();
        return read;
    }
}
