using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Endurance;

/// <summary>
/// The mapped memory path keeps memory images within <see cref="VMOptions.MaxCachedImages"/> and
/// <see cref="VMOptions.MaxCachedImageBytes"/>: images past the budget are removed (files, descriptors,
/// and the mappings idle instances kept of them) and rebuilt from the store when a session needs them
/// again; kept images hold no open file; a long session does not pile up mappings of files it no
/// longer needs. Observed from outside, through /proc and the images directory.
/// </summary>
public sealed class ImageBudgetTests
{
    private const ulong Gas = 10_000_000;

    private static byte[] Code(int wasmPages) => PageProbe.Code(memory: wasmPages.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static ContractId Id(int n) => ContractId.FromBytes(Enumerable.Repeat((byte)(0x70 + n), 32).ToArray());

    private static VM Mapped(int maxImages = 256, long maxBytes = 1L << 30) =>
        VM.Ephemeral(new VMOptions { Memory = MemoryPath.Mapped, MaxCachedImages = maxImages, MaxCachedImageBytes = maxBytes });

    private static Hash Deploy(VM vm, int contracts, int wasmPages = 16)
    {
        using var session = vm.Session();
        for (int c = 0; c < contracts; c++) session.Deploy(Code(wasmPages), new ContractData(new byte[] { 1 }, Id: Id(c)), Gas);
        return session.Commit();
    }

    private static void Write(Session session, int contract, uint page, ulong value) => PageProbe.Write(session, Id(contract), page, value);

    private static ulong Read(Session session, int contract, uint page) => PageProbe.Read(session, Id(contract), page);

    [Fact]
    public void A_memory_committed_again_and_again_adds_its_overlays_to_one_file_that_new_instances_read()
    {
        using var vm = Mapped();
        var root = Deploy(vm, 1);
        for (int k = 0; k < 6; k++)
        {
            using var session = vm.Session(new SessionData { Base = root });
            Write(session, 0, (uint)(3 + k), 100 + (ulong)k);
            root = session.Commit();
        }
        // The base, and one file holding the six commits' overlays (not a file per commit).
        Assert.Equal(2, ProcessResources.Measure(vm.Directory).ImageFiles);
        // Two sessions at once: the second makes a new instance, which maps every layer of the image.
        using var first = vm.Session(new SessionData { Base = root });
        using var second = vm.Session(new SessionData { Base = root });
        Assert.Equal(root, second.Root);
        for (int k = 0; k < 6; k++)
        {
            Assert.Equal(100 + (ulong)k, Read(first, 0, (uint)(3 + k)));
            Assert.Equal(100 + (ulong)k, Read(second, 0, (uint)(3 + k)));
        }
    }

    [Fact]
    public void Kept_images_hold_no_open_file_once_their_sessions_end()
    {
        using var vm = Mapped();
        var root = Deploy(vm, 3);
        using (var session = vm.Session(new SessionData { Base = root }))
        {
            for (int c = 0; c < 3; c++) Write(session, c, 5, 50);
            session.Commit();
            for (int c = 0; c < 3; c++) Assert.Equal(50UL, Read(session, c, 5));
            Assert.True(ProcessResources.Measure(vm.Directory).ImageDescriptors > 0); // in use: open (so the probe sees them)
        }
        var after = ProcessResources.Measure(vm.Directory);
        Assert.True(after.ImageFiles > 0, after.ToString()); // kept for later sessions…
        Assert.Equal(0, after.ImageDescriptors);              // …without a descriptor
    }

    [Fact]
    public void Images_past_the_count_budget_are_removed_and_later_sessions_rebuild_them()
    {
        const int budget = 3, commits = 100;
        using var vm = Mapped(maxImages: budget);
        var roots = new List<Hash> { Deploy(vm, 1) };
        using (var session = vm.Session(new SessionData { Base = roots[0] }))
        {
            for (int k = 1; k <= commits; k++)
            {
                Write(session, 0, (uint)(1 + k % 200), (ulong)k);
                roots.Add(session.Commit());
                // The kept images and the one in use: a base and at most 8 overlays each.
                var now = ProcessResources.Measure(vm.Directory);
                Assert.True(now.ImageFiles <= (budget + 1) * 9, $"after {k} commits: {now}");
            }
        }
        // Every commit still opens with exactly its state, most from images built again from the store.
        for (int k = 1; k <= commits; k++)
        {
            using var old = vm.Session(new SessionData { Base = roots[k] });
            Assert.Equal((ulong)k, Read(old, 0, (uint)(1 + k % 200)));
            if (k > 1 && (1 + k % 200) != (1 + (k - 1) % 200)) Assert.Equal((ulong)(k - 1), Read(old, 0, (uint)(1 + (k - 1) % 200)));
        }
        var end = ProcessResources.Measure(vm.Directory);
        Assert.True(end.ImageFiles <= budget * 9, end.ToString());
    }

    [Fact]
    public void Image_bytes_past_the_byte_budget_are_removed()
    {
        const long budget = 2 << 20;
        using var vm = Mapped(maxBytes: budget);
        var root = Deploy(vm, 4);
        using (var session = vm.Session(new SessionData { Base = root }))
        {
            for (int k = 1; k <= 40; k++)
            {
                for (int c = 0; c < 4; c++)
                    for (uint p = 0; p < 4; p++) Write(session, c, (uint)(1 + (4 * k + p) % 250), (ulong)k);
                session.Commit();
            }
        }
        // No session left: only kept images remain, within the budget (plus a block of file metadata each).
        var end = ProcessResources.Measure(vm.Directory);
        Assert.True(end.ImageBytes <= budget + 4096L * end.ImageFiles, end.ToString());
        using var check = vm.Session(new SessionData { Base = vm.Commits[^1] });
        for (int c = 0; c < 4; c++) Assert.Equal(40UL, Read(check, c, 1 + (4 * 40 + 3) % 250));
    }

    [Fact]
    public void With_no_images_kept_nothing_of_ended_sessions_stays_on_disk_open_or_mapped()
    {
        using var vm = Mapped(maxImages: 0);
        var r1 = Deploy(vm, 2);
        Hash r2;
        using (var writer = vm.Session(new SessionData { Base = r1 }))
        {
            Write(writer, 0, 3, 33);
            Write(writer, 1, 4, 44);
            r2 = writer.Commit();
        }
        for (int round = 0; round < 2; round++)
        {
            // Two sessions at once, so two runtimes go back to the pool with instances that showed images.
            using (var a = vm.Session(new SessionData { Base = r1 }))
            using (var b = vm.Session(new SessionData { Base = r2 }))
            {
                Assert.Equal(0UL, Read(a, 0, 3));
                Assert.Equal(33UL, Read(b, 0, 3));
                Assert.Equal(44UL, Read(b, 1, 4));
            }
            var after = ProcessResources.Measure(vm.Directory);
            Assert.True(after is { ImageFiles: 0, ImageDescriptors: 0, ImageMappings: 0, RemovedImageFiles: 0 }, after.ToString());
        }
    }

    [Fact]
    public void An_idle_instance_stops_showing_an_image_the_cache_dropped()
    {
        using var vm = Mapped(maxImages: 2);
        var r1 = Deploy(vm, 2); // images of contracts 0 and 1 at r1: the budget
        // Two sessions at once read contract 0 and end: their runtimes wait in the pool, each with an
        // instance still showing contract 0's image (nothing to map for the next session on r1).
        using (var a = vm.Session(new SessionData { Base = r1 }))
        using (var b = vm.Session(new SessionData { Base = r1 }))
        {
            Assert.Equal(0UL, Read(a, 0, 3));
            Assert.Equal(0UL, Read(b, 0, 3));
        }
        Assert.True(ProcessResources.Measure(vm.Directory).MappedImageFiles > 0);
        // A commit of contract 1 makes a third image: contract 0's, unused, is dropped and its file removed.
        using (var writer = vm.Session(new SessionData { Base = r1 }))
        {
            Write(writer, 1, 4, 44);
            writer.Commit();
            var now = ProcessResources.Measure(vm.Directory);
            Assert.True(now.RemovedImageFiles == 0, $"a removed image file is still mapped or open: {now}");
        }
        var end = ProcessResources.Measure(vm.Directory);
        Assert.True(end.RemovedImageFiles == 0, end.ToString());
        using var check = vm.Session(new SessionData { Base = r1 });
        Assert.Equal(0UL, Read(check, 0, 3));
    }

    [Fact]
    public void A_long_session_writing_new_pages_keeps_few_files_mapped()
    {
        using var vm = Mapped();
        var root = Deploy(vm, 1, wasmPages: 64); // 1,024 pages of 4 KiB
        using var session = vm.Session(new SessionData { Base = root });
        ProcessResources now = default;
        for (uint k = 1; k <= 300; k++)
        {
            // A page never written before in each commit: each lands in a file of its own.
            Write(session, 0, 1 + (k * 7) % 1000, k);
            session.Commit();
            if (k % 10 != 0) continue;
            now = ProcessResources.Measure(vm.Directory);
            // The image (a base and at most 8 overlays), the session's overlay, at most 8 earlier overlays.
            Assert.True(now.MappedImageFiles <= 9 + 1 + 8, $"after {k} commits: {now}");
        }
        Assert.Equal(300UL, Read(session, 0, 1 + (300 * 7) % 1000));
        Assert.Equal(1UL, Read(session, 0, 1 + 7 % 1000));
    }

    [Fact]
    public void A_negative_budget_is_refused_before_the_store_is_touched()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-budget-" + Guid.NewGuid().ToString("N"));
        try
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => VM.Open(directory, new VMOptions { MaxCachedImages = -1 }));
            Assert.Contains("MaxCachedImages", error.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => VM.Open(directory, new VMOptions { MaxCachedImageBytes = -1 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => VM.Ephemeral(new VMOptions { MaxCachedImageBytes = -1 }));
            Assert.False(Directory.Exists(directory)); // refused before anything was created
            using var vm = VM.Open(directory, new VMOptions { MaxCachedImages = 0, MaxCachedImageBytes = 0 });
            Assert.Empty(vm.Commits);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
