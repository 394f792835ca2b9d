using System.Buffers.Binary;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Piecrust.Tests.Maintenance;
using Piecrust.Tests.Tools;
using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>
/// Failed writes (a full disk, an I/O error: <see cref="PageStore.WriteFailureInjector"/> makes
/// RocksDB's writes fail for one store) are <see cref="StoreIOException"/> and change nothing; and
/// deletions, finalization and garbage collection refuse to reclaim on counts that contradict
/// each other, changing nothing and pointing to fsck.
/// </summary>
public sealed class StoreFailureTests
{
    private const string DiskFull = "IO error: No space left on device: While appending to file: 000012.log";

    /// <summary>Makes every write of the store in <paramref name="directory"/> fail with <paramref name="status"/> until disposed.</summary>
    private sealed class FailingWrites : IDisposable
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<string, (string What, string Status)> Failing = new();

        public FailingWrites(string directory, string status, string what = "")
        {
            Directory = Path.GetFullPath(directory);
            lock (Gate)
            {
                Failing[Directory] = (what, status);
                PageStore.WriteFailureInjector = Inject;
            }
        }

        private string Directory { get; }

        private static string? Inject(string directory, string what)
        {
            lock (Gate)
                return Failing.TryGetValue(directory, out var failure) && (failure.What == "" || failure.What == what) ? failure.Status : null;
        }

        public void Dispose()
        {
            lock (Gate) Failing.Remove(Directory);
        }
    }

    [Fact]
    public void A_failed_write_is_a_StoreIOException_and_changes_nothing_on_disk_or_in_memory()
    {
        using var state = new CounterState(secondCommit: true);
        var second = state.SecondRoot!.Value;
        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false })) vm.FinalizeCommit(state.Root);
        var before = RawStore.Dump(state.Directory);

        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false }))
        {
            var commits = vm.CommitLog;
            using (new FailingWrites(state.Directory, DiskFull))
            {
                using var session = vm.Session(new SessionData { Base = second });
                session.Call(state.Contract, "increment", [], Contracts.Gas);
                AssertDiskFull(Assert.Throws<StoreIOException>(() => session.Commit()));
                AssertDiskFull(Assert.Throws<StoreIOException>(() => vm.DeleteCommit(state.Root)));
                AssertDiskFull(Assert.Throws<StoreIOException>(() => vm.FinalizeCommit(second)));
                AssertDiskFull(Assert.Throws<StoreIOException>(() => vm.CollectGarbage()));

                // In memory too: the deletion that failed did not unmark the finalized commit it would have deleted.
                Assert.Equal(commits, vm.CommitLog);
                Assert.Equal(state.Root, vm.FinalizedCommit);
            }
            // The same operations once the disk has room again.
            vm.DeleteCommit(state.Root);
            Assert.Null(vm.FinalizedCommit);
            Assert.Equal([second], vm.Commits);
        }
        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false }))
            Assert.True(vm.Fsck().IsClean);
        Assert.NotEqual(before.Count, RawStore.Dump(state.Directory).Count);
    }

    [Fact]
    public void A_commit_whose_write_fails_drops_the_image_files_it_wrote_meanwhile_and_can_be_made_again()
    {
        const uint Pages = 80; // past PageTreeUpdates.ParallelFromPages: the images are written while the batch is
        StoreFixture.InTempDirectory(directory =>
        {
            using var vm = VM.Open(directory, new VMOptions { Durable = false, Memory = MemoryPath.Mapped });
            ContractId id;
            Hash @base;
            using (var setup = vm.Session())
            {
                id = setup.Deploy(PageProbe.Code(), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of([1]))), Contracts.Gas);
                PageProbe.Write(setup, id, 1, 1);
                @base = setup.Commit();
            }
            var images = Path.Combine(directory, "images");
            using var session = vm.Session(new SessionData { Base = @base });
            for (uint page = 1; page <= Pages; page++) PageProbe.Write(session, id, page, 1000 + page);
            var before = Directory.GetFiles(images).Order().ToArray();

            // The new image (an overlay over the base image: a new file) is written, then dropped.
            using (new FailingWrites(directory, DiskFull))
                AssertDiskFull(Assert.Throws<StoreIOException>(() => session.Commit()));
            Piecrust.Memory.FileReaper.Drain(); // files are removed off the committing thread
            Assert.Equal(before, Directory.GetFiles(images).Order().ToArray());

            // The session's memory did not move: the same changes commit once the disk has room.
            var root = session.Commit();
            using var reader = vm.Session(new SessionData { Base = root });
            for (uint page = 1; page <= Pages; page++) Assert.Equal(1000 + page, PageProbe.Read(reader, id, page));
            Assert.True(vm.Fsck().IsClean);
        });
    }

    [Fact]
    public void Failed_writes_leave_the_disk_byte_for_byte_as_it_was()
    {
        using var state = new CounterState(secondCommit: true);
        var before = RawStore.Dump(state.Directory);
        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false }))
        using (new FailingWrites(state.Directory, DiskFull))
        {
            using var session = vm.Session(new SessionData { Base = state.SecondRoot });
            session.Call(state.Contract, "increment", [], Contracts.Gas);
            Assert.Throws<StoreIOException>(() => session.Commit());
            Assert.Throws<StoreIOException>(() => vm.DeleteCommit(state.Root));
            Assert.Throws<StoreIOException>(() => vm.FinalizeCommit(state.Root));
        }
        RawStore.AssertSame(before, RawStore.Dump(state.Directory), "after failed writes");
    }

    [Fact]
    public void A_failed_compaction_is_a_StoreIOException_naming_the_column()
    {
        using var state = new CounterState(secondCommit: true);
        using var vm = VM.Open(state.Directory, new VMOptions { Durable = false });
        using (new FailingWrites(state.Directory, "IO error: No space left on device", what: "compaction"))
        {
            var error = Assert.Throws<StoreIOException>(() => vm.CollectGarbage());
            Assert.Contains("compacting the pages column", error.Message);
        }
        vm.CollectGarbage();
    }

    [Fact]
    public void The_cli_reports_a_failed_write_as_one_error_line_and_changes_nothing()
    {
        using var cli = new Cli();
        var (id, first) = cli.DeployCounter();
        cli.Run("call", id.ToString(), "increment", "--commit").AssertOk();
        string commits = cli.Run("commits").Output;
        using (new FailingWrites(cli.Store, DiskFull))
        {
            cli.Run("delete", first.ToString()).AssertError("No space left on device");
            cli.Run("call", id.ToString(), "increment", "--commit").AssertError("No space left on device");
            cli.Run("gc").AssertError("No space left on device");
        }
        Assert.Equal(commits, cli.Run("commits").Output);
        cli.Run("fsck").AssertOk();
    }

    [Fact]
    public void RocksDB_statuses_map_to_corruption_or_io_errors_naming_column_and_key()
    {
        var key = Hash.Of([1]).ToArray();
        var corrupt = Assert.IsType<CorruptStoreException>(StoreErrors.Read(StoreColumn.Nodes, StoreErrors.KeyText(StoreColumn.Nodes, key),
            "Corruption: block checksum mismatch: stored = 1, computed = 2 in /s/000009.sst offset 0 size 486", null));
        Assert.Contains("nodes column", corrupt.Message);
        Assert.Contains(Convert.ToHexStringLower(key), corrupt.Message);
        Assert.Contains("piecrust fsck", corrupt.Message);
        var io = Assert.IsType<StoreIOException>(StoreErrors.Read(StoreColumn.Pages, "ab", "IO error: While pread offset 0 len 4096: Input/output error", null));
        Assert.Contains("pages column", io.Message);
        Assert.IsType<StoreIOException>(StoreErrors.Scan(StoreColumn.Increments, null, "IO error: EIO", null));
        Assert.IsType<CorruptStoreException>(StoreErrors.Scan(StoreColumn.Increments, "00", "Corruption: truncated block read", null));
        Assert.IsType<StoreIOException>(StoreErrors.Write("/s", "write batch", DiskFull, null));
        Assert.IsType<CorruptStoreException>(StoreErrors.Write("/s", "write batch", "Corruption: block checksum mismatch", null));
        Assert.Equal("finalized", StoreErrors.KeyText(StoreColumn.Meta, "finalized"u8));
    }

    // --- Refusing to reclaim on counts that contradict each other (no RocksDB damage: values edited behind the store's back) ---

    [Fact]
    public void A_count_entry_the_store_never_writes_refuses_deletion()
    {
        using var state = new CounterState(secondCommit: true);
        // Objects with one referrer have no entry; a stored 1 cannot come from the store. The bytecode
        // is in the journal (the second commit's new leaf refers to it), so every reclamation reads it.
        RawStore.Put(state.Directory, "refs", RefKey(ObjectKind.Bytecode, state.Bytecode), Le(1));
        AssertReclamationRefused(state, "stored as 1");
    }

    [Fact]
    public void A_journal_entry_naming_a_missing_object_refuses_deletion_and_gc()
    {
        using var state = new CounterState(secondCommit: true);
        var (key, value) = Assert.Single(JournalEntries(state.Directory));
        var missing = Hash.Of("not stored"u8);
        RawStore.Put(state.Directory, "increments", key, [.. value, (byte)ObjectKind.Node, .. missing.ToArray()]);
        AssertReclamationRefused(state, $"names node {missing}, which is not stored");
    }

    [Fact]
    public void A_journal_entry_of_a_commit_never_made_refuses_deletion_and_gc()
    {
        using var state = new CounterState(secondCommit: true);
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, 99);
        RawStore.Put(state.Directory, "increments", key, [(byte)ObjectKind.Bytecode, .. state.Bytecode.ToArray()]);
        AssertReclamationRefused(state, "belongs to commit 99, which was never made");
    }

    [Fact]
    public void A_deferred_reclamation_on_an_inconsistent_journal_is_deferred_again_and_gc_reports_why()
    {
        using var state = new CounterState(secondCommit: true);
        // The process stops while a session holds the deleted first commit: its reclamation waits for the next open.
        var vm = VM.Open(state.Directory, new VMOptions { Durable = false });
        var session = vm.Session(new SessionData { Base = state.Root });
        vm.DeleteCommit(state.Root);
        vm.Dispose();
        session.Dispose();
        var (key, value) = Assert.Single(JournalEntries(state.Directory));
        var missing = Hash.Of("not stored"u8);
        RawStore.Put(state.Directory, "increments", key, [.. value, (byte)ObjectKind.Node, .. missing.ToArray()]);
        var before = RawStore.Dump(state.Directory);

        using (var reopened = VM.Open(state.Directory, new VMOptions { Durable = false }))
        {
            Assert.Equal([state.SecondRoot!.Value], reopened.Commits); // the store opens, the deleted commit stays out of sight
            Assert.Equal(0xfeUL, CounterState.ReadCounter(reopened, state.SecondRoot.Value, state.Contract));
            AssertRefused(Assert.Throws<CorruptStoreException>(() => reopened.CollectGarbage()), "which is not stored");
        }
        RawStore.AssertSame(before, RawStore.Dump(state.Directory), "after the deferred reclamation was deferred again");

        RawStore.Put(state.Directory, "increments", key, value); // the journal repaired
        using (var reopened = VM.Open(state.Directory, new VMOptions { Durable = false }))
        {
            var report = reopened.Fsck();
            Assert.True(report.IsClean, string.Join("\n", report.Problems));
            Assert.Equal(0, report.PendingDeletes);
        }
    }

    [Fact]
    public void The_cli_refuses_to_delete_on_an_inconsistent_journal_and_fsck_names_it()
    {
        using var cli = new Cli();
        var (id, first) = cli.DeployCounter();
        cli.Run("call", id.ToString(), "increment", "--commit").AssertOk();
        var (key, value) = Assert.Single(JournalEntries(cli.Store));
        var missing = Hash.Of("not stored"u8);
        RawStore.Put(cli.Store, "increments", key, [.. value, (byte)ObjectKind.Node, .. missing.ToArray()]);
        var before = RawStore.Dump(cli.Store);

        cli.Run("delete", first.ToString()).AssertError("piecrust fsck");
        cli.Run("gc").AssertError("piecrust fsck");
        RawStore.AssertSame(before, RawStore.Dump(cli.Store), "after the refused deletion");
        var fsck = cli.Run("fsck");
        Assert.Equal(Piecrust.Tools.ExitCodes.CheckFailed, fsck.Code);
        Assert.Contains(missing.ToString(), fsck.Output);
    }

    /// <summary>Deletion, pruning finalization and gc each throw <see cref="CorruptStoreException"/> pointing to fsck, and nothing on disk changes.</summary>
    private static void AssertReclamationRefused(CounterState state, string reason)
    {
        var before = RawStore.Dump(state.Directory);
        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false }))
        {
            AssertRefused(Assert.Throws<CorruptStoreException>(() => vm.DeleteCommit(state.Root)), reason);
            AssertRefused(Assert.Throws<CorruptStoreException>(() => vm.CollectGarbage()), reason);
            Assert.Equal(2, vm.Commits.Count);
        }
        using (var vm = VM.Open(state.Directory, new VMOptions { Durable = false, History = HistoryMode.Prune }))
            AssertRefused(Assert.Throws<CorruptStoreException>(() => vm.FinalizeCommit(state.SecondRoot!.Value)), reason);
        RawStore.AssertSame(before, RawStore.Dump(state.Directory), $"after refusals ({reason})");
    }

    private static void AssertRefused(CorruptStoreException error, string reason)
    {
        Assert.Contains(reason, error.Message);
        Assert.Contains("piecrust fsck", error.Message);
    }

    private static void AssertDiskFull(StoreIOException error)
    {
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains("Nothing was written", error.Message);
    }

    private static List<(byte[] Key, byte[] Value)> JournalEntries(string directory) =>
        RawStore.Keys(directory, "increments").Select(k => (k, RawStore.Get(directory, "increments", k)!)).ToList();

    private static byte[] RefKey(ObjectKind kind, Hash key) => [(byte)kind, .. key.ToArray()];

    private static byte[] Le(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
