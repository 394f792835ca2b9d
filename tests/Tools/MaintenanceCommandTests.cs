using Piecrust.Storage;
using Piecrust.Tests.Maintenance;
using Xunit;

namespace Piecrust.Tests.Tools;

public sealed class MaintenanceCommandTests
{
    [Fact]
    public void Stats_prints_counts_and_ratios()
    {
        using var cli = new Cli();
        var (id, _) = cli.DeployCounter();
        cli.Run("call", id.ToString(), "increment", "--commit").AssertOk();
        var stats = cli.Run("stats");
        stats.AssertOk();
        Assert.Matches(@"│ commits\s+│\s+2 │", stats.Output);
        Assert.Matches(@"│ contracts\s+│\s+1 │ distinct ids; 2 over all commits", stats.Output);
        Assert.Matches(@"│ bytecodes\s+│\s+1 │", stats.Output);
        Assert.Contains("dedup ratio", stats.Output);
        Assert.Contains("compression ratio", stats.Output);
    }

    [Fact]
    public void Fsck_passes_a_clean_store_and_fails_a_damaged_one_naming_the_key()
    {
        using var cli = new Cli();
        cli.DeployCounter();
        var clean = cli.Run("fsck");
        clean.AssertOk();
        Assert.Contains("store is consistent", clean.Output);

        Hash page;
        using (var store = Piecrust.Merkle.MerkleIndex.OpenStore(cli.Store)) page = store.Keys(ObjectKind.Page).Single();
        RawStore.Flip(cli.Store, "pages", page.ToArray());
        var damaged = cli.Run("fsck");
        Assert.Equal(Piecrust.Tools.ExitCodes.CheckFailed, damaged.Code);
        Assert.Contains("CorruptObject", damaged.Output);
        Assert.Contains(page.ToString(), damaged.Output);
        Assert.Contains("1 problem(s) found", damaged.Output);
    }

    [Fact]
    public void Fsck_examines_a_store_too_damaged_to_open()
    {
        using var cli = new Cli();
        var (_, root) = cli.DeployCounter();
        RawStore.Put(cli.Store, "commits", root.ToArray(), [9]);
        cli.Run("commits").AssertError("malformed");

        var fsck = cli.Run("fsck");
        Assert.Equal(Piecrust.Tools.ExitCodes.CheckFailed, fsck.Code);
        Assert.Contains("MalformedCommitRecord", fsck.Output);
        Assert.Contains(root.ToString(), fsck.Output);
    }

    [Fact]
    public void Gc_reports_what_it_did()
    {
        using var cli = new Cli();
        var (id, first) = cli.DeployCounter();
        cli.Run("call", id.ToString(), "increment", "--commit").AssertOk();
        cli.Run("delete", first.ToString()).AssertOk();
        var gc = cli.Run("gc");
        gc.AssertOk();
        Assert.Matches(@"column families compacted\s+│\s+9", gc.Output);
        Assert.Matches(@"orphan compiled modules removed\s+│\s+0", gc.Output);
        cli.Run("fsck").AssertOk();
    }

    [Fact]
    public void Export_then_import_into_a_fresh_directory_reproduces_the_root_and_state()
    {
        using var cli = new Cli();
        var (id, _) = cli.DeployCounter();
        var root = Hash.Parse(cli.Run("call", id.ToString(), "increment", "--commit").Field("root"));
        string snapshot = cli.PathOf("state.bin");
        var export = cli.Run("export", root.ToString(), "-o", snapshot);
        export.AssertOk();
        Assert.True(File.Exists(snapshot));
        Assert.False(File.Exists(snapshot + ".partial"));

        string fresh = cli.PathOf("fresh");
        var import = Cli.RunRaw("--store", fresh, "import", snapshot);
        import.AssertOk();
        Assert.Equal(root.ToString(), import.Field("imported"));
        Assert.Contains(root.ToString(), Cli.RunRaw("--store", fresh, "commits").Output);
        Assert.Contains("fd00000000000000", Cli.RunRaw("--store", fresh, "call", id.ToString(), "read_value").Output);
        Cli.RunRaw("--store", fresh, "fsck").AssertOk();
    }

    [Fact]
    public async Task Export_streams_into_a_named_pipe_that_import_reads_as_it_is_written()
    {
        using var cli = new Cli();
        var (id, _) = cli.DeployCounter();
        var root = Hash.Parse(cli.Run("call", id.ToString(), "increment", "--commit").Field("root"));
        string pipe = cli.PathOf("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", pipe)!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Each side blocks opening the pipe until the other opens it: the export runs beside the import.
        string fresh = cli.PathOf("fresh");
        var export = Task.Run(() => cli.Run("export", root.ToString(), "-o", pipe));
        var import = await Task.Run(() => Cli.RunRaw("--store", fresh, "import", pipe));
        (await export).AssertOk();
        import.AssertOk();
        Assert.Equal(root.ToString(), import.Field("imported"));
        Assert.Contains("fd00000000000000", Cli.RunRaw("--store", fresh, "call", id.ToString(), "read_value").Output);
        // Still the pipe (renaming a finished file over it would have left a regular file of the snapshot's size).
        Assert.Equal(0, new FileInfo(pipe).Length);
        Assert.False(File.Exists(pipe + ".partial"));
    }

    [Fact]
    public void Import_rejects_a_corrupt_or_missing_snapshot_and_writes_nothing()
    {
        using var cli = new Cli();
        var (_, root) = cli.DeployCounter();
        string snapshot = cli.PathOf("state.bin");
        cli.Run("export", root.ToString(), "-o", snapshot).AssertOk();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(cli.PathOf("bad.bin"), bytes);

        string fresh = cli.PathOf("fresh");
        Cli.RunRaw("--store", fresh, "import", cli.PathOf("bad.bin")).AssertError("Invalid snapshot");
        Cli.RunRaw("--store", fresh, "import", cli.PathOf("nope.bin")).AssertError("cannot read");
        File.WriteAllBytes(cli.PathOf("short.bin"), File.ReadAllBytes(snapshot)[..100]);
        Cli.RunRaw("--store", fresh, "import", cli.PathOf("short.bin")).AssertError("truncated");
        using var vm = VM.Open(fresh);
        Assert.Empty(vm.Commits);
        Assert.Equal(0, vm.Statistics().Store.Pages);
    }

    [Fact]
    public void Export_rejects_an_unknown_root_and_leaves_no_file()
    {
        using var cli = new Cli();
        cli.DeployCounter();
        string snapshot = cli.PathOf("state.bin");
        cli.Run("export", Hash.Of([1]).ToString(), "-o", snapshot).AssertError("No commit with root");
        cli.Run("export", "nothex", "-o", snapshot).AssertError("not a 32-byte hash");
        Assert.False(File.Exists(snapshot));
    }
}
