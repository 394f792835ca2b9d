using Piecrust.Merkle;
using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class LifecycleTests
{
    private static ulong ReadCounter(VM vm, Hash root, ContractId counter)
    {
        using var session = vm.Session(new SessionData { Base = root });
        return BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data);
    }

    private static Hash Increment(VM vm, Hash? root, ContractId counter, int times = 1)
    {
        using var session = vm.Session(new SessionData { Base = root });
        for (int i = 0; i < times; i++) session.Call(counter, "increment", [], Contracts.Gas);
        return session.Commit();
    }

    private static (Hash Root, ContractId Counter) Genesis(VM vm)
    {
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        return (session.Commit(), counter);
    }

    [Fact]
    public void Commits_record_their_parents_and_survive_a_restart()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Hash a, b, c;
            ContractId counter;
            using (var vm = TestVM.Open(directory))
            {
                (a, counter) = Genesis(vm);
                b = Increment(vm, a, counter);
                c = Increment(vm, b, counter);
                Assert.Equal([a, b, c], vm.Commits);
            }
            using (var vm = TestVM.Open(directory))
            {
                Assert.Equal([a, b, c], vm.Commits);
                Assert.Equal([null, a, b], vm.CommitLog.Select(x => x.Parent));
                Assert.Equal(0xfcUL, ReadCounter(vm, a, counter));
                Assert.Equal(0xfdUL, ReadCounter(vm, b, counter));
                Assert.Equal(0xfeUL, ReadCounter(vm, c, counter));
                Assert.Equal(0, vm.ModulesCompiled);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Deleting_a_parent_breaks_neither_children_nor_siblings()
    {
        using var vm = TestVM.Ephemeral();
        var (a, counter) = Genesis(vm);
        var b = Increment(vm, a, counter);
        var child = Increment(vm, b, counter);
        var sibling = Increment(vm, a, counter, times: 5);

        vm.DeleteCommit(b);
        Assert.DoesNotContain(b, vm.Commits);
        Assert.Throws<CommitNotFoundException>(() => vm.Session(new SessionData { Base = b }));
        Assert.Equal(0xfeUL, ReadCounter(vm, child, counter));
        Assert.Equal(0x101UL, ReadCounter(vm, sibling, counter));
        Assert.Equal(a, vm.CommitLog.Single(x => x.Root == child).Parent); // re-parented

        vm.DeleteCommit(a);
        Assert.Equal(0xfeUL, ReadCounter(vm, child, counter));
        Assert.Equal(0x101UL, ReadCounter(vm, sibling, counter));
        Assert.Null(vm.CommitLog.Single(x => x.Root == child).Parent);

        var error = Assert.Throws<CommitNotFoundException>(() => vm.DeleteCommit(a));
        Assert.Equal(a, error.Root);
    }

    [Fact]
    public void A_session_on_a_deleted_commit_keeps_working_and_can_commit()
    {
        using var vm = TestVM.Ephemeral();
        var (a, counter) = Genesis(vm);
        var b = Increment(vm, a, counter);
        using var session = vm.Session(new SessionData { Base = b });
        vm.DeleteCommit(b);
        vm.DeleteCommit(a);
        Assert.Empty(vm.Commits);

        session.Call(counter, "increment", [], Contracts.Gas);
        Assert.Equal(0xfeUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
        var c = session.Commit();
        session.Dispose();
        Assert.Equal([c], vm.Commits);
        Assert.Equal(0xfeUL, ReadCounter(vm, c, counter));
    }

    [Fact]
    public void Finalize_in_archive_mode_keeps_every_commit()
    {
        using var vm = TestVM.Ephemeral();
        var (a, counter) = Genesis(vm);
        var b = Increment(vm, a, counter);
        var side = Increment(vm, a, counter, times: 2);
        vm.FinalizeCommit(b);
        Assert.Equal(b, vm.FinalizedCommit);
        Assert.Equal([a, b, side], vm.Commits);
        Assert.Equal(0xfeUL, ReadCounter(vm, side, counter));
        Assert.Throws<CommitNotFoundException>(() => vm.FinalizeCommit(Hash.Of("nope"u8)));
    }

    [Fact]
    public void Finalize_in_prune_mode_keeps_only_the_finalized_commit_and_its_descendants()
    {
        using var vm = TestVM.Ephemeral(new VMOptions { History = HistoryMode.Prune });
        var (a, counter) = Genesis(vm);
        var b = Increment(vm, a, counter);
        var c = Increment(vm, b, counter);
        var d = Increment(vm, c, counter, times: 3);
        var side = Increment(vm, a, counter, times: 10);
        using var onSide = vm.Session(new SessionData { Base = side });

        vm.FinalizeCommit(b);
        Assert.Equal([b, c, d], vm.Commits);
        Assert.Equal(b, vm.FinalizedCommit);
        Assert.Equal(0xfdUL, ReadCounter(vm, b, counter));
        Assert.Equal(0x101UL, ReadCounter(vm, d, counter));
        // A session running on a pruned commit still works.
        Assert.Equal(0x106UL, BitConverter.ToUInt64(onSide.Call(counter, "read_value", [], Contracts.Gas).Data));

        vm.FinalizeCommit(d);
        Assert.Equal([d], vm.Commits);
    }

    [Fact]
    public void The_finalized_commit_survives_a_restart()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Hash b;
            using (var vm = TestVM.Open(directory))
            {
                var (a, counter) = Genesis(vm);
                b = Increment(vm, a, counter);
                vm.FinalizeCommit(b);
            }
            using (var vm = TestVM.Open(directory))
                Assert.Equal(b, vm.FinalizedCommit);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private const string CounterV1 = """
        (module
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 65536))
          (data (i32.const 0) "\fc\00\00\00\00\00\00\00")
          (func (export "read_value") (param i32) (result i32)
            (i64.store (i32.const 65536) (i64.load (i32.const 0))) (i32.const 8))
          (func (export "increment") (param i32) (result i32)
            (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const STEP))) (i32.const 0)))
        """;

    [Fact]
    public void Migrate_keeps_memory_and_changes_behaviour()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var id = session.Deploy(Contracts.Wat(CounterV1.Replace("STEP", "1")), new ContractData(Contracts.Owner), Contracts.Gas);
        session.Call(id, "increment", [], Contracts.Gas);
        var before = session.Commit();

        session.Migrate(id, Contracts.Wat(CounterV1.Replace("STEP", "100").Replace("\\fc", "\\00")));
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(session.Call(id, "read_value", [], Contracts.Gas).Data));
        session.Call(id, "increment", [], Contracts.Gas);
        Assert.Equal(0xfdUL + 100, BitConverter.ToUInt64(session.Call(id, "read_value", [], Contracts.Gas).Data));
        var after = session.Commit();

        Assert.Equal(0xfdUL, ReadCounter(vm, before, id));
        Assert.Equal(0xfdUL + 100, ReadCounter(vm, after, id));
        Assert.NotEqual(vm.Contracts(before).Single().Bytecode, vm.Contracts(after).Single().Bytecode);
    }

    [Fact]
    public void A_refused_migration_changes_nothing()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var id = Contracts.Deploy(session, "counter");
        var root = session.Root;
        Assert.Throws<InvalidModuleException>(() => session.Migrate(id, Contracts.Bytes("counter64")));
        Assert.Throws<InvalidModuleException>(() => session.Migrate(id, [0, 1, 2]));
        Assert.Throws<ContractNotFoundException>(() => session.Migrate(new ContractId(Hash.Of("x"u8)), Contracts.Bytes("counter")));
        Assert.Equal(root, session.Root);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(session.Call(id, "read_value", [], Contracts.Gas).Data));
    }

    [Fact]
    public void Proofs_from_the_engine_verify_against_session_and_commit_roots()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        session.Call(counter, "increment", [], Contracts.Gas);
        for (ulong page = 0; page < 32; page++)
        {
            var proof = session.ProvePage(counter, page);
            Assert.True(ProofVerifier.VerifyPage(proof, session.Root, session.ReadPage(counter, page)));
        }
        var missing = new ContractId(Hash.Of("missing"u8));
        Assert.True(ProofVerifier.VerifyAbsence(session.ProveAbsence(missing), session.Root, missing));
        Assert.Throws<ContractAlreadyExistsException>(() => session.ProveAbsence(counter));

        var root = session.Commit();
        var committed = vm.ProvePage(root, counter, 8);
        Assert.True(ProofVerifier.VerifyPage(committed, root, vm.ReadPage(root, counter, 8)));
        Assert.True(ProofVerifier.VerifyAbsence(vm.ProveAbsence(root, missing), root, missing));
        Assert.Throws<ContractNotFoundException>(() => vm.ProvePage(root, missing, 0));
        Assert.Throws<CommitNotFoundException>(() => vm.ProvePage(Hash.Of("nope"u8), counter, 0));
    }

    [Fact]
    public void Removing_and_recompiling_a_module_keeps_contracts_running()
    {
        using var vm = TestVM.Ephemeral();
        var (root, counter) = Genesis(vm);
        var bytecode = vm.Contracts(root).Single().Bytecode;
        Assert.Equal(1, vm.ModulesCompiled);
        vm.RemoveModule(bytecode);
        Assert.Equal(0xfcUL, ReadCounter(vm, root, counter));
        Assert.Equal(2, vm.ModulesCompiled);
        vm.RecompileModule(bytecode);
        Assert.Equal(3, vm.ModulesCompiled);
        Assert.Equal(0xfcUL, ReadCounter(vm, root, counter));
        Assert.Throws<InvalidArgumentException>(() => vm.RecompileModule(Hash.Of("nothing"u8)));
    }

    [Fact]
    public void A_session_on_a_deleted_commit_loads_contracts_and_closing_it_leaves_no_files_behind()
    {
        using var vm = TestVM.Ephemeral();
        var (a, counter) = Genesis(vm);
        var b = Increment(vm, a, counter);
        string images = Path.Combine(vm.Directory, "images");
        var session = vm.Session(new SessionData { Base = b });
        vm.DeleteCommit(b);
        vm.DeleteCommit(a);
        // The contract is first loaded after its commit is gone: still readable through the lease.
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
        session.Call(counter, "increment", [], Contracts.Gas);
        Assert.Equal(0xfeUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
        session.Dispose();
        Assert.Empty(vm.Commits);
        Piecrust.Memory.FileReaper.Drain(); // files let go are removed off the thread that let them go
        Assert.True(!Directory.Exists(images) || Directory.GetFiles(images).Length == 0,
            $"image files left behind: {string.Join(", ", Directory.Exists(images) ? Directory.GetFiles(images) : [])}");
    }
}
