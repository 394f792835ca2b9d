using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Piecrust.Merkle;
using Piecrust.PropertyTests.Support;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.PropertyTests;

/// <summary>
/// Page trees under random sparse memories and random update sequences: the incrementally
/// maintained root is the root of the final memory, whatever the path to it.
/// </summary>
public sealed class PageTreeProperties(SharedStore shared) : IClassFixture<SharedStore>
{
    /// <summary>
    /// A memory built by batches of page writes. Batch 0 is the initial memory; later batches
    /// overwrite pages (often of earlier batches, sometimes with zeros) and add new ones.
    /// With <see cref="CommitEachBatch"/>, every batch is committed and later ones read their base
    /// from the store instead of from staged nodes.
    /// </summary>
    public sealed record Scenario(int Height, bool CommitEachBatch, PageWrite[][] Batches)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"height {Height}{(CommitEachBatch ? ", commit each batch" : "")}: " + string.Join(" then ", Batches.Select(PageWrite.Format));
    }

    private static Gen<Scenario> ScenarioGen(int height) =>
        from commitEach in Gen.Elements(false, true)
        from poolSize in Gen.Frequency((3, Gen.Choose(1, 20)), (2, Gen.Choose(20, 100)), (2, Gen.Choose(100, 200)))
        from pool in PageGens.Index(height).ArrayOf(poolSize)
        let distinct = pool.Distinct().ToArray()
        from initial in Gen.CollectToArray(distinct, i => PageGens.Content.Select(c => new PageWrite(i, c)))
        from updateCount in Gen.Choose(0, 6)
        from updates in BatchGen(height, distinct).ArrayOf(updateCount)
        select new Scenario(height, commitEach, [initial, .. updates]);

    private static Gen<PageWrite[]> BatchGen(int height, ulong[] pool) =>
        from n in Gen.Choose(1, 30)
        from writes in Gen.Frequency((3, Gen.Elements(pool)), (1, PageGens.Index(height)))
            .SelectMany(i => PageGens.Content.Select(c => new PageWrite(i, c)))
            .ArrayOf(n)
        select writes;

    private static Arbitrary<Scenario> Scenarios(int height) => Arb.From(ScenarioGen(height), ShrinkScenario);

    private static IEnumerable<Scenario> ShrinkScenario(Scenario s) =>
        (s.CommitEachBatch ? [s with { CommitEachBatch = false }] : Array.Empty<Scenario>())
            .Concat(Shrink.List(s.Batches, batch => Shrink.List(batch, Shrink.Write), minCount: 1).Select(batches => s with { Batches = batches }));

    [Property(MaxTest = 120)]
    public Property Incremental_root_equals_the_root_of_the_final_memory_32() =>
        Prop.ForAll(Scenarios(PageTree.Height32), Check);

    [Property(MaxTest = 80)]
    public Property Incremental_root_equals_the_root_of_the_final_memory_64() =>
        Prop.ForAll(Scenarios(PageTree.Height64), Check);

    private Property Check(Scenario scenario)
    {
        var (store, index) = shared.Begin();
        var checks = new Checks();
        int height = scenario.Height;
        var memory = new Dictionary<ulong, Hash>();
        var root = PageTree.EmptyRoot(height);
        var staged = new StagedObjects();
        var commits = new List<Hash>();
        bool overwroteWithZero = false;

        foreach (var batch in scenario.Batches)
        {
            // Within a batch the last write of an index wins, as in a memory.
            var writes = batch.GroupBy(w => w.Index).Select(g => g.Last()).OrderBy(w => w.Index).ToArray();
            overwroteWithZero |= writes.Any(w => w.Content.IsZero && memory.GetValueOrDefault(w.Index, PageStore.ZeroPageKey) != PageStore.ZeroPageKey);
            var changes = writes.Select(w => new PageChange(w.Index, staged.AddPage(w.Content.Bytes))).ToArray();
            foreach (var w in writes) memory[w.Index] = w.Content.Key;
            root = index.UpdatePages(root, height, changes, staged);
            if (scenario.CommitEachBatch)
            {
                Commit(store, root, height, commits.LastOrDefault(), staged);
                commits.Add(root);
                staged = new StagedObjects();
            }
        }

        var scratchStaged = new StagedObjects();
        var scratch = index.UpdatePages(PageTree.EmptyRoot(height), height,
            memory.OrderBy(m => m.Key).Select(m => new PageChange(m.Key, m.Value)).ToArray(), scratchStaged);
        checks.Equal(scratch, root, "incremental root vs root built from scratch");
        checks.Equal(ReferenceRoots.PageTreeRoot(memory, height), root, "incremental root vs reference root");

        var nonZero = memory.Where(m => m.Value != PageStore.ZeroPageKey).OrderBy(m => m.Key)
            .Select(m => new PageChange(m.Key, m.Value)).ToArray();
        checks.SequenceEqual(nonZero, index.Pages(root, height, staged), "Pages (staged)");
        checks.That(nonZero.Length > 0 || root == PageTree.EmptyRoot(height), () => "an all-zero memory's root is not the empty root");
        foreach (var (pageIndex, key) in memory)
            checks.Equal(key, index.PageKey(root, height, pageIndex, staged), $"PageKey({pageIndex}) (staged)");
        foreach (var neighbour in memory.Keys.SelectMany(i => new[] { i - 1, i + 1 }).Where(i => i < PageTree.Capacity(height) && !memory.ContainsKey(i)))
            checks.Equal(PageStore.ZeroPageKey, index.PageKey(root, height, neighbour, staged), $"PageKey({neighbour}) of an unwritten page");

        // The same answers from the store alone, once the final tree is committed.
        if (!commits.Contains(root))
        {
            Commit(store, root, height, commits.LastOrDefault(), staged);
            commits.Add(root);
        }
        checks.SequenceEqual(nonZero, index.Pages(root, height), "Pages (stored)");
        foreach (var (pageIndex, key) in memory)
            checks.Equal(key, index.PageKey(root, height, pageIndex), $"PageKey({pageIndex}) (stored)");
        checks.That(Rejects(() => index.PageKey(root, height, PageTree.Capacity(height))),
            () => $"PageKey accepts index {PageTree.Capacity(height)}, beyond the tree");
        checks.That(Rejects(() => index.UpdatePages(root, height, [new PageChange(PageTree.Capacity(height), PageContent.Zero.Key)], new StagedObjects())),
            () => $"UpdatePages accepts index {PageTree.Capacity(height)}, beyond the tree");
        var buffer = new byte[PageStore.PageSize];
        foreach (var page in nonZero)
        {
            store.ReadPage(page.Key, buffer);
            checks.That(PageStore.PageKey(buffer) == page.Key, () => $"page {page.Index} reads back other bytes");
        }

        foreach (var commit in commits.Distinct())
            store.DeleteCommit(commit);
        // Everything the case wrote is reclaimed again (checked per object: a scan of the shared
        // store's columns would wade through every earlier case's deletions).
        checks.That(store.Commits.Count == 0, () => $"{store.Commits.Count} commits left after deleting the case's commits");
        checks.That(commits.All(c => !store.Contains(ObjectRef.Node(c))) && scenario.Batches.SelectMany(b => b).All(w => w.Content.IsZero || !store.Contains(ObjectRef.Page(w.Content.Key))),
            () => "a node or page of the case is still stored after its commits were deleted");

        shared.Finish(checks);
        return checks.ToProperty()
            .Classify(nonZeroCount(memory) == 0, "all-zero final memory")
            .Classify(nonZeroCount(memory) >= 100, "100+ pages")
            .Classify(overwroteWithZero, "a page cleared by a later write")
            .Classify(scenario.Batches.Length > 3, "4+ batches");

        static int nonZeroCount(Dictionary<ulong, Hash> memory) => memory.Count(m => m.Value != PageStore.ZeroPageKey);
    }

    private static bool Rejects(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return true;
        }
    }

    private static void Commit(PageStore store, Hash root, int height, Hash parent, StagedObjects staged) =>
        store.WriteCommit(root, root == PageTree.EmptyRoot(height) ? null : ObjectRef.Node(root), parent == default ? null : parent, staged);
}
