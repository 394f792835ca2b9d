using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Maintenance;

public sealed class GarbageTests
{
    [Fact]
    public void Gc_removes_compiled_modules_whose_bytecode_is_gone_and_keeps_the_others()
    {
        using var state = new CounterState();
        var orphan = Hash.Of([1, 2, 3]);
        var fingerprint = Hash.Of([4]);
        using (var store = MerkleIndex.OpenStore(state.Directory))
            store.WriteModule(orphan, fingerprint, [7, 7, 7]);

        GarbageReport report;
        using (var vm = VM.Open(state.Directory))
        {
            Assert.Equal(1, vm.Fsck().OrphanModules);
            report = vm.CollectGarbage();
            Assert.Equal(0, vm.Fsck().OrphanModules);
            Assert.Equal(0xfdUL, CounterState.ReadCounter(vm, state.Root, state.Contract));
            Assert.Equal(0, vm.ModulesCompiled); // the counter's cached module survived
        }
        Assert.Equal(1, report.OrphanModulesRemoved);
        Assert.Equal(0, report.PendingDeletesReclaimed);
        Assert.Equal(9, report.ColumnFamiliesCompacted);
        using (var store = MerkleIndex.OpenStore(state.Directory))
            Assert.Null(store.ReadModule(orphan, fingerprint));
    }

    [Fact]
    public void Gc_leaves_a_deleted_commit_alone_while_a_session_leases_it()
    {
        using var vm = VM.Ephemeral();
        Hash root;
        ContractId id;
        using (var session = vm.Session())
        {
            id = Contracts.Deploy(session, "counter");
            root = session.Commit();
        }
        using var reader = vm.Session(new SessionData { Base = root });
        vm.DeleteCommit(root);
        var report = vm.CollectGarbage();
        Assert.Equal(0, report.PendingDeletesReclaimed);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(reader.Call(id, "read_value", [], Contracts.Gas).Data));
        Assert.Equal(1, vm.Fsck().PendingDeletes);
    }

    [Fact]
    public void Gc_after_deleting_a_commit_leaves_a_consistent_smaller_store()
    {
        using var state = new CounterState(secondCommit: true);
        using var vm = VM.Open(state.Directory);
        var before = vm.Statistics().Store;
        vm.DeleteCommit(state.Root);
        var progress = new List<MaintenanceProgress>();
        vm.CollectGarbage(new SyncProgress<MaintenanceProgress>(progress.Add));

        Assert.True(vm.Fsck().IsClean);
        // The first commit's page-tree path goes; its counter page may stay, as the base the second's is stored as a difference from.
        var after = vm.Statistics().Store;
        Assert.True(after.Nodes < before.Nodes);
        Assert.True(after.Pages <= before.Pages);
        Assert.Contains(progress, p => p.Phase.StartsWith("compacting", StringComparison.Ordinal));
        Assert.Equal(0xfeUL, CounterState.ReadCounter(vm, state.SecondRoot!.Value, state.Contract));
    }
}
