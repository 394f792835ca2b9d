using System.Buffers.Binary;
using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Maintenance;

public sealed class FsckTests
{
    [Fact]
    public void A_clean_store_passes_and_every_reachable_object_is_checked()
    {
        using var state = new CounterState(secondCommit: true);
        var pages = state.Keys(ObjectKind.Page).Count;
        var nodes = state.Keys(ObjectKind.Node).Count;
        using var vm = VM.Open(state.Directory);
        var reports = new List<MaintenanceProgress>();
        var report = vm.Fsck(new SyncProgress<MaintenanceProgress>(reports.Add));

        Assert.True(report.IsClean, string.Join("\n", report.Problems));
        Assert.Equal(2, report.Commits);
        Assert.Equal(pages, report.PagesChecked);
        Assert.Equal(nodes, report.NodesChecked);
        Assert.Equal(1, report.BytecodesChecked);
        Assert.Equal(pages + nodes + 1, report.ReferenceCountsChecked);
        Assert.NotEmpty(reports);
    }

    [Fact]
    public void An_empty_store_passes()
    {
        using var vm = VM.Ephemeral();
        var report = vm.Fsck();
        Assert.True(report.IsClean);
        Assert.Equal(0, report.Commits);
    }

    [Fact]
    public void A_flipped_byte_in_a_page_is_reported_with_its_key()
    {
        using var state = new CounterState();
        var page = state.Keys(ObjectKind.Page)[0];
        RawStore.Flip(state.Directory, "pages", page.ToArray());

        var problem = AssertSingleProblem(state, StoreProblemKind.CorruptObject);
        Assert.Equal(ObjectRef.Page(page), problem.Object);
        Assert.Contains(page.ToString(), problem.Message);
    }

    [Fact]
    public void A_flipped_byte_in_a_node_is_reported_with_its_key()
    {
        using var state = new CounterState();
        // A page-tree node deep in the tree: its children are then not followed, so they are reported too.
        RawStore.Flip(state.Directory, "nodes", state.Root.ToArray());

        using var vm = VM.Open(state.Directory);
        var report = vm.Fsck();
        var corrupt = Assert.Single(report.Problems, p => p.Kind == StoreProblemKind.CorruptObject);
        Assert.Equal(state.Root.ToString(), corrupt.Key);
        Assert.Equal(ObjectRef.Node(state.Root), corrupt.Object);
    }

    [Fact]
    public void A_flipped_byte_in_bytecode_is_reported_with_its_key()
    {
        using var state = new CounterState();
        RawStore.Flip(state.Directory, "bytecode", state.Bytecode.ToArray());

        var problem = AssertSingleProblem(state, StoreProblemKind.CorruptObject);
        Assert.Equal(ObjectRef.Bytecode(state.Bytecode), problem.Object);
        Assert.Equal(state.Bytecode.ToString(), problem.Key);
    }

    [Fact]
    public void A_deleted_page_is_reported_missing()
    {
        using var state = new CounterState();
        var page = state.Keys(ObjectKind.Page)[^1];
        RawStore.Delete(state.Directory, "pages", page.ToArray());

        var problem = AssertSingleProblem(state, StoreProblemKind.MissingObject);
        Assert.Equal(ObjectRef.Page(page), problem.Object);
        Assert.Contains(page.ToString(), problem.Message);
    }

    [Fact]
    public void A_wrong_reference_count_is_reported_with_both_counts()
    {
        using var state = new CounterState();
        var node = state.Keys(ObjectKind.Node).First(k => k != state.Root);
        var key = RefKey(ObjectKind.Node, node);
        // Most objects have a single referrer and so no count entry (it means 1).
        var stored = RawStore.Get(state.Directory, "refs", key);
        ulong count = stored is null ? 1 : BinaryPrimitives.ReadUInt64LittleEndian(stored);
        var wrong = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(wrong, count + 5);
        RawStore.Put(state.Directory, "refs", key, wrong);

        var problem = AssertSingleProblem(state, StoreProblemKind.WrongReferenceCount);
        Assert.Equal(ObjectRef.Node(node), problem.Object);
        Assert.Contains($"is {count + 5}, but {count}", problem.Message);
    }

    [Fact]
    public void A_missing_reference_count_is_reported()
    {
        // Two commits' contract leaves share the bytecode: its count is 2. The second commit journals
        // that reference; garbage collection applies the journal, so the count gets an entry.
        using var state = new CounterState(secondCommit: true);
        using (var store = MerkleIndex.OpenStore(state.Directory)) store.CollectGarbage();
        Assert.NotNull(RawStore.Get(state.Directory, "refs", RefKey(ObjectKind.Bytecode, state.Bytecode)));
        RawStore.Delete(state.Directory, "refs", RefKey(ObjectKind.Bytecode, state.Bytecode));

        var problem = AssertSingleProblem(state, StoreProblemKind.WrongReferenceCount);
        Assert.Equal(ObjectRef.Bytecode(state.Bytecode), problem.Object);
    }

    [Fact]
    public void A_lost_journaled_increment_is_reported()
    {
        using var state = new CounterState(secondCommit: true);
        var journal = RawStore.Keys(state.Directory, "increments");
        Assert.Single(journal); // the second commit's references to what the first one stored
        RawStore.Delete(state.Directory, "increments", journal[0]);

        using var vm = VM.Open(state.Directory);
        var report = vm.Fsck();
        Assert.NotEmpty(report.Problems);
        Assert.All(report.Problems, p => Assert.Equal(StoreProblemKind.WrongReferenceCount, p.Kind));
        var bytecode = Assert.Single(report.Problems, p => p.Object == ObjectRef.Bytecode(state.Bytecode));
        Assert.Contains("has no entry (which means 1), but 2", bytecode.Message);
    }

    [Fact]
    public void A_malformed_journal_entry_is_reported()
    {
        using var state = new CounterState(secondCommit: true);
        var key = Assert.Single(RawStore.Keys(state.Directory, "increments"));
        RawStore.Put(state.Directory, "increments", key, [9, 9, 9]);

        using var vm = VM.Open(state.Directory);
        var report = vm.Fsck();
        Assert.Single(report.Problems, p => p.Kind == StoreProblemKind.MalformedReferenceCount);
    }

    [Fact]
    public void An_object_nothing_reaches_is_reported_as_a_leak()
    {
        using var state = new CounterState();
        var page = Storage.StoreFixture.Page(77);
        var key = PageStore.PageKey(page);
        RawStore.Put(state.Directory, "pages", key.ToArray(), [0, .. page]); // tag 0 = raw encoding

        var problem = AssertSingleProblem(state, StoreProblemKind.LeakedObject);
        Assert.Equal(ObjectRef.Page(key), problem.Object);
    }

    [Fact]
    public void A_store_with_commits_and_no_format_marker_is_reported()
    {
        using var state = new CounterState();
        RawStore.Delete(state.Directory, "meta", "format"u8.ToArray());

        var report = VM.FsckDirectory(state.Directory);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreProblemKind.BadMetadata, problem.Kind);
        Assert.Equal("format", problem.Key);
        Assert.Throws<CorruptStoreException>(() => VM.Open(state.Directory).Dispose());
    }

    [Theory]
    [InlineData("piecrust-store/2")] // before journaled counts: a /2 store has none pending
    [InlineData("piecrust-store/3")] // before pages stored as differences: a /3 store has none
    public void A_store_of_an_earlier_format_opens_and_is_upgraded(string format)
    {
        using var state = new CounterState();
        RawStore.Put(state.Directory, "meta", "format"u8.ToArray(), System.Text.Encoding.ASCII.GetBytes(format));

        Assert.True(VM.FsckDirectory(state.Directory).IsClean);
        using (var vm = VM.Open(state.Directory))
        {
            Assert.Equal(0xfdUL, CounterState.ReadCounter(vm, state.Root, state.Contract));
            Assert.True(vm.Fsck().IsClean);
        }
        Assert.Equal("piecrust-store/4"u8.ToArray(), RawStore.Get(state.Directory, "meta", "format"u8.ToArray()));
    }

    [Fact]
    public void A_store_whose_creation_stopped_before_the_format_marker_is_clean_and_opens()
    {
        var directory = Storage.StoreFixture.TempDirectory();
        try
        {
            VM.Open(directory).Dispose();
            RawStore.Delete(directory, "meta", "format"u8.ToArray()); // as if killed between creating the database and writing the marker

            Assert.True(VM.FsckDirectory(directory).IsClean);
            using (var vm = VM.Open(directory)) Assert.Empty(vm.Commits);
            Assert.NotNull(RawStore.Get(directory, "meta", "format"u8.ToArray()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_finalized_root_that_is_not_a_commit_is_reported()
    {
        using var state = new CounterState();
        var bogus = Hash.Of([9]);
        RawStore.Put(state.Directory, "meta", "finalized"u8.ToArray(), bogus.ToArray());

        var problem = AssertSingleProblem(state, StoreProblemKind.BadMetadata);
        Assert.Equal(bogus.ToString(), problem.Key);
    }

    [Fact]
    public void A_deleted_commit_still_leased_counts_as_a_root()
    {
        using var vm = VM.Ephemeral();
        Hash first;
        using (var session = vm.Session())
        {
            var id = Contracts.Deploy(session, "counter");
            first = session.Commit();
            session.Call(id, "increment", [], Contracts.Gas);
            session.Commit();
        }
        using (vm.Session(new SessionData { Base = first }))
        {
            vm.DeleteCommit(first);
            var report = vm.Fsck();
            Assert.True(report.IsClean, string.Join("\n", report.Problems));
            Assert.Equal(1, report.PendingDeletes);
        }
        var after = vm.Fsck();
        Assert.True(after.IsClean, string.Join("\n", after.Problems));
        Assert.Equal(1, after.Commits);
    }

    [Fact]
    public void A_malformed_commit_record_is_reported_by_the_offline_check_of_a_store_that_will_not_open()
    {
        using var state = new CounterState(secondCommit: true);
        RawStore.Put(state.Directory, "commits", state.Root.ToArray(), [1, 2, 3]);
        Assert.Throws<CorruptStoreException>(() => VM.Open(state.Directory).Dispose());

        var report = VM.FsckDirectory(state.Directory);
        var problem = Assert.Single(report.Problems, p => p.Kind == StoreProblemKind.MalformedCommitRecord);
        Assert.Equal(state.Root.ToString(), problem.Key);
        Assert.Equal(1, report.Commits); // the other record still decodes
    }

    [Fact]
    public void The_offline_check_agrees_with_the_online_one_and_changes_nothing()
    {
        using var state = new CounterState();
        var page = state.Keys(ObjectKind.Page)[0];
        RawStore.Flip(state.Directory, "pages", page.ToArray());
        var stored = RawStore.Get(state.Directory, "pages", page.ToArray());

        var offline = VM.FsckDirectory(state.Directory);
        Assert.Equal(ObjectRef.Page(page), Assert.Single(offline.Problems).Object);
        Assert.Equal(stored, RawStore.Get(state.Directory, "pages", page.ToArray()));
        using var vm = VM.Open(state.Directory);
        Assert.Equal(offline.Problems, vm.Fsck().Problems);
        Assert.Throws<StoreLockedException>(() => VM.FsckDirectory(state.Directory));
    }

    [Fact]
    public void A_damaged_block_is_reported_as_unreadable_naming_the_column_and_the_rest_is_still_checked()
    {
        using var state = new CounterState(secondCommit: true);
        var tables = TableDamage.CompactToTables(state.Directory);
        TableDamage.Flip(Path.Combine(state.Directory, tables["pages"]), DamageScenario.FlipOffset);

        var report = VM.FsckDirectory(state.Directory);
        var unreadable = Assert.Single(report.Problems, p => p.Kind == StoreProblemKind.UnreadableData);
        Assert.Equal("pages", unreadable.Key);
        Assert.Contains("pages column is damaged", unreadable.Message);
        Assert.Contains("checksum mismatch", unreadable.Message);
        // The pages past the damaged block are looked up one by one: the ones in it are unreadable, none is "missing".
        Assert.DoesNotContain(report.Problems, p => p.Kind is StoreProblemKind.MissingObject or StoreProblemKind.LeakedObject or StoreProblemKind.WrongReferenceCount);
        Assert.Contains(report.Problems, p => p.Kind == StoreProblemKind.CorruptObject && p.Object?.Kind == ObjectKind.Page);
        Assert.Equal(2, report.Commits);
        Assert.True(report.NodesChecked > 0);
    }

    [Fact]
    public void An_unreadable_journal_is_reported_and_counts_are_not_judged_without_it()
    {
        using var state = new CounterState(secondCommit: true);
        var tables = TableDamage.CompactToTables(state.Directory);
        TableDamage.Flip(Path.Combine(state.Directory, tables["increments"]), DamageScenario.FlipOffset);

        using var vm = VM.Open(state.Directory); // reads need no journal
        Assert.Equal(0xfeUL, CounterState.ReadCounter(vm, state.SecondRoot!.Value, state.Contract));
        var report = vm.Fsck();
        var problem = Assert.Single(report.Problems);
        Assert.Equal(StoreProblemKind.UnreadableData, problem.Kind);
        Assert.Equal("increments", problem.Key);
    }

    [Fact]
    public void A_store_RocksDB_cannot_open_is_reported_rather_than_thrown()
    {
        using var state = new CounterState();
        var tables = TableDamage.CompactToTables(state.Directory);
        string table = Path.Combine(state.Directory, tables["commits"]);
        TableDamage.Flip(table, new FileInfo(table).Length - 1); // the table's footer (its magic number)

        Assert.Throws<CorruptStoreException>(() => VM.Open(state.Directory).Dispose());
        var problem = Assert.Single(VM.FsckDirectory(state.Directory).Problems);
        Assert.Equal(StoreProblemKind.UnreadableData, problem.Kind);
        Assert.Contains("cannot be opened", problem.Message);
    }

    [Fact]
    public void The_offline_check_of_a_missing_store_fails_without_creating_it()
    {
        string directory = Storage.StoreFixture.TempDirectory();
        Assert.Throws<StoreNotFoundException>(() => VM.FsckDirectory(directory));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_node_naming_the_same_page_twice_holds_one_reference_and_fsck_agrees()
    {
        using var store = Piecrust.Merkle.MerkleIndex.EphemeralStore();
        var index = new Piecrust.Merkle.MerkleIndex(store);
        var staged = new StagedObjects();
        var page = Storage.StoreFixture.Page(5);
        var tree = Storage.StoreFixture.WritePages(index, Piecrust.Merkle.PageTree.EmptyRoot(Piecrust.Merkle.PageTree.Height32), staged, (0UL, page), (1UL, page));
        Storage.StoreFixture.CommitTree(store, tree, staged);

        Assert.Equal(1UL, store.RefCount(ObjectRef.Page(PageStore.PageKey(page))));
        var report = store.Check();
        Assert.True(report.IsClean, string.Join("\n", report.Problems));
        Assert.Equal(1, report.PagesChecked);
    }

    private static StoreProblem AssertSingleProblem(CounterState state, StoreProblemKind kind)
    {
        using var vm = VM.Open(state.Directory);
        var report = vm.Fsck();
        Assert.False(report.IsClean);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(kind, problem.Kind);
        return problem;
    }

    internal static byte[] RefKey(ObjectKind kind, Hash key) => [(byte)kind, .. key.ToArray()];
}

/// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
