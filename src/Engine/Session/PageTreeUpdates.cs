using System.Runtime.ExceptionServices;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// The new page trees of a commit's changed memories: each memory's changed pages hashed and its
/// tree paths rebuilt. Memories are independent here (only the contract tree above them is shared),
/// so a commit that changed many pages builds them on several cores: hashing ~2,000 pages and
/// ~20,000 nodes was a quarter of a 1,000-call block (BlockBench). The result does not depend on
/// how the work is spread: each tree is a function of its base and changes, staged in contract order.
/// </summary>
internal static class PageTreeUpdates
{
    /// <summary>Below this many changed pages in all, one thread does it (handing work to the pool costs more than it saves).</summary>
    internal const int ParallelFromPages = 64;

    /// <summary>One memory's base tree and changes (ascending).</summary>
    public readonly record struct Change(Hash BaseTree, int Height, (ulong Index, ReadOnlyMemory<byte> Bytes)[] Pages);

    /// <summary>
    /// The new tree root of each change, in order, with every new page and node staged in
    /// <paramref name="staged"/>; each memory built on its own thread stages into one of <paramref name="pool"/>'s.
    /// </summary>
    /// <exception cref="CorruptStoreException">A base tree's node is damaged (the first such change's error, as one thread would have met it).</exception>
    public static Hash[] Build(MerkleIndex index, IReadOnlyList<Change> changes, StagedObjects staged, StagedObjectsPool pool)
    {
        var roots = new Hash[changes.Count];
        if (changes.Count < 2 || changes.Sum(c => c.Pages.Length) < ParallelFromPages)
        {
            for (int i = 0; i < changes.Count; i++) roots[i] = Update(index, changes[i], staged);
            return roots;
        }
        var own = new StagedObjects[changes.Count];
        var failures = new Exception?[changes.Count];
        // No more workers than cores: a preempted worker holding a node-cache shard stalls the others.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        try
        {
            Parallel.For(0, changes.Count, options, i =>
            {
                own[i] = pool.Rent(StagedBound(changes[i]));
                try
                {
                    roots[i] = Update(index, changes[i], own[i]);
                }
                catch (Exception e)
                {
                    failures[i] = e;
                }
            });
            if (failures.FirstOrDefault(f => f is not null) is { } failure) ExceptionDispatchInfo.Throw(failure);
            foreach (var objects in own) staged.AddFrom(objects); // the bytes are shared, not copied: they outlive the tables
            return roots;
        }
        finally
        {
            foreach (var objects in own) if (objects is not null) pool.Return(objects);
        }
    }

    // At most what one memory's change stages: its pages, and per tree level no more nodes than
    // pages or than the level has (sized up front: regrowing 100 tables per block showed in profiles).
    private static int StagedBound(Change change)
    {
        long bound = change.Pages.Length;
        for (int level = 1; level <= change.Height; level++) bound += Math.Min(change.Pages.Length, 1L << Math.Min(change.Height - level, 62));
        return (int)Math.Min(bound, 1 << 20);
    }

    private static Hash Update(MerkleIndex index, Change change, StagedObjects staged)
    {
        var keys = new Hash[change.Pages.Length];
        staged.AddPages(Array.ConvertAll(change.Pages, p => p.Bytes), keys);
        var pages = new PageChange[change.Pages.Length];
        for (int i = 0; i < pages.Length; i++) pages[i] = new PageChange(change.Pages[i].Index, keys[i]);
        return index.UpdatePages(change.BaseTree, change.Height, pages, staged, rootIsLive: true); // a session's base is leased
    }
}
