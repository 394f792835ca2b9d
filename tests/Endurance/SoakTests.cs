using Piecrust.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Endurance;

/// <summary>
/// One long-lived VM on the mapped memory path with full (archive) history: one session calls ten
/// contracts and commits, again and again, while new sessions open on old commits now and then.
/// Descriptors, mappings and image bytes on disk must stay under bounds that follow from the image
/// cache's budget, not from the number of commits, and must level off; every read must see exactly
/// what its commit holds (images evicted and rebuilt from the store included).
/// </summary>
/// <remarks>
/// <c>PIECRUST_SOAK_COMMITS</c> sets the number of commits (default <see cref="DefaultCommits"/>;
/// the recorded long run used 50,000).
/// </remarks>
[Collection(nameof(SoakTests))] // alone: it counts the whole process's descriptors and mappings
public sealed class SoakTests(ITestOutputHelper output)
{
    public const int DefaultCommits = 2_000;
    private const int ContractCount = 10;
    private const ulong Gas = 10_000_000;

    /// <summary>Pages the contract writes to: 1..255 of its 1 MiB memory (page 0 holds the argument buffer).</summary>
    private const int WritablePages = 255;

    private const int MaxCachedImages = 40;
    private const long MaxCachedImageBytes = 4 << 20;

    /// <summary>The page commit <paramref name="k"/> writes in contract <paramref name="c"/> (value k + 1): scattered, so overlays merge and bases are rebuilt.</summary>
    private static uint PageOf(int k, int c) => (uint)(1 + (k * 7L + c * 31L) % WritablePages);

    /// <summary>What page <paramref name="page"/> of contract <paramref name="c"/> holds after commit <paramref name="k"/>.</summary>
    private static ulong Expected(int k, int c, uint page)
    {
        for (int j = k; j >= Math.Max(0, k - WritablePages); j--)
            if (PageOf(j, c) == page) return (ulong)j + 1;
        return 0;
    }

    [Fact]
    public void Descriptors_mappings_and_image_bytes_stay_bounded_over_thousands_of_archived_commits()
    {
        int commits = int.TryParse(Environment.GetEnvironmentVariable("PIECRUST_SOAK_COMMITS"), out int n) && n >= 100 ? n : DefaultCommits;
        var options = new VMOptions
        {
            Memory = MemoryPath.Mapped,
            History = HistoryMode.Archive,
            Durable = false,
            MaxCachedImages = MaxCachedImages,
            MaxCachedImageBytes = MaxCachedImageBytes,
        };
        var before = ProcessResources.Measure("/nonexistent");
        using var vm = VM.Ephemeral(options);
        byte[] code = PageProbe.Code(memory: "16 16");
        var ids = Enumerable.Range(0, ContractCount).Select(c => ContractId.FromBytes(Enumerable.Repeat((byte)(0xa0 + c), 32).ToArray())).ToArray();
        var roots = new Hash[commits];
        var samples = new List<(int Commit, ProcessResources Resources)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Hash deployed;
        using (var deploy = vm.Session())
        {
            foreach (var id in ids) deploy.Deploy(code, new ContractData(new byte[] { 1 }, Id: id), Gas);
            deployed = deploy.Commit();
        }
        using (var session = vm.Session(new SessionData { Base = deployed }))
        {
            for (int k = 0; k < commits; k++)
            {
                for (int c = 0; c < ContractCount; c++)
                    PageProbe.Write(session, ids[c], PageOf(k, c), (ulong)k + 1);
                roots[k] = session.Commit();
                if (k % 50 == 49) ReadOldCommit(vm, ids, roots, k, branch: k % 500 == 499);
                if (k % Math.Max(1, commits / 40) == 0 || k == commits - 1)
                {
                    var now = ProcessResources.Measure(vm.Directory);
                    samples.Add((k + 1, now));
                    output.WriteLine($"{k + 1,6} commits  {clock.Elapsed.TotalSeconds,6:F1} s  {now}");
                }
            }
            // The long session still sees its own latest state.
            for (int c = 0; c < ContractCount; c++)
                Assert.Equal((ulong)commits, PageProbe.Read(session, ids[c], PageOf(commits - 1, c)));
        }

        // Bounds from the budget. At each sample the long session is the only one open: it uses ten
        // images (a base of at most 256 pages, at most 8 overlays: one merged of at most a quarter of
        // the memory, 64 pages, and seven of a commit's 2 pages), each file open, and maps each image
        // plus its overlay of the pages taken in since the commit and at most 8 earlier such overlays
        // (2 pages each, 1 run; each page mapped inside a larger mapping splits it: 2 lines a run).
        // Kept images hold no descriptor, and no idle instance maps a removed file.
        const int pagesPerHeldImage = 256 + 64 + 7 * 2, runsPerHeldImage = 1 + 64 + 7 * 2, staleOverlays = 8;
        long heldBytes = ContractCount * pagesPerHeldImage * 4096L;
        long removedBytes = ContractCount * (1 + staleOverlays) * 2 * 4096L;
        int descriptorBound = ContractCount * (1 + 8) + ContractCount;
        int mappingBound = ContractCount * 2 * (runsPerHeldImage + 1 + staleOverlays) + 1;
        foreach (var (commit, r) in samples)
        {
            Assert.True(r.ImageDescriptors <= descriptorBound, $"after {commit} commits, image descriptors over {descriptorBound}: {r}");
            Assert.True(r.ImageBytes <= MaxCachedImageBytes + heldBytes, $"after {commit} commits, image bytes over {MaxCachedImageBytes + heldBytes:N0}: {r}");
            Assert.True(r.RemovedImageBytes <= removedBytes, $"after {commit} commits, removed image bytes still held over {removedBytes:N0}: {r}");
            Assert.True(r.ImageMappings <= mappingBound, $"after {commit} commits, image mappings over {mappingBound}: {r}");
        }
        // Level: the last quarter of the run never goes above the second quarter, plus slack (RocksDB
        // opens a table file per few MiB of store; the process's other mappings come and go).
        var second = samples.Where(s => s.Commit > commits / 4 && s.Commit <= commits / 2).Select(s => s.Resources).ToArray();
        var fourth = samples.Where(s => s.Commit > 3 * commits / 4).Select(s => s.Resources).ToArray();
        Assert.True(fourth.Max(r => r.Descriptors) <= second.Max(r => r.Descriptors) + 32, "descriptors grew");
        Assert.True(fourth.Max(r => r.Mappings) <= second.Max(r => r.Mappings) + 256, "mappings grew");
        Assert.True(fourth.Max(r => r.AllImageBytes) <= second.Max(r => r.AllImageBytes) + heldBytes / 4, "image bytes grew");
        output.WriteLine($"before the VM: {before}");
        output.WriteLine($"bounds: image descriptors {descriptorBound}, image mappings {mappingBound}, image bytes {MaxCachedImageBytes + heldBytes:N0} + removed {removedBytes:N0}");
    }

    /// <summary>A new session on an older commit reads every contract's pages of that commit (images long evicted get rebuilt), and now and then commits a branch.</summary>
    private static void ReadOldCommit(VM vm, ContractId[] ids, Hash[] roots, int latest, bool branch)
    {
        int k = (int)((latest * 7919L) % (latest + 1));
        using var old = vm.Session(new SessionData { Base = roots[k] });
        for (int c = 0; c < ids.Length; c++)
        {
            foreach (uint page in new[] { PageOf(k, c), PageOf(Math.Max(0, k - 1), c), PageOf(latest, c) })
                Assert.Equal(Expected(k, c, page), PageProbe.Read(old, ids[c], page));
        }
        if (!branch) return;
        PageProbe.Write(old, ids[0], 7, ulong.MaxValue);
        old.Commit();
        Assert.Equal(ulong.MaxValue, PageProbe.Read(old, ids[0], 7));
    }
}

/// <summary>Runs <see cref="SoakTests"/> after every other test, with none beside it.</summary>
[CollectionDefinition(nameof(SoakTests), DisableParallelization = true)]
public sealed class SoakCollection;
