using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// A session that ends leaves its instances to later sessions (memories cleared, or still showing
/// their committed image with every write dropped). A reused instance must behave exactly like a
/// new one: no byte, length or global of an earlier session may show through, whatever base each
/// session starts from, and whether the earlier one failed, grew, committed or was left open.
/// </summary>
public sealed class InstanceReuseTests
{
    private const ulong Gas = 10_000_000;
    private static readonly ContractId Id = ContractId.FromBytes(Enumerable.Repeat((byte)0x5e, 32).ToArray());

    // Pages are 4 KiB; the argument buffer is page 0. write: [u32 page][u64 value] at offset 64 of
    // the page; read: [u32 page] -> that u64; grow: one 64 KiB page; size: memory.size in 64 KiB
    // pages; bump: increments a mutable global and returns it; write_then_trap: write, then trap.
    private const string Wat = """
        (module
          (memory (export "memory") 16)
          (global (export "A") i32 (i32.const 0))
          (global $counter (mut i64) (i64.const 0))
          (func (export "write") (param i32) (result i32)
            (i64.store offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12)) (i64.load (i32.const 4)))
            (i32.const 0))
          (func (export "read") (param i32) (result i32)
            (i64.store (i32.const 0) (i64.load offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12))))
            (i32.const 8))
          (func (export "grow") (param i32) (result i32)
            (drop (memory.grow (i32.const 1)))
            (i32.const 0))
          (func (export "size") (param i32) (result i32)
            (i32.store (i32.const 0) (memory.size))
            (i32.const 4))
          (func (export "bump") (param i32) (result i32)
            (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
            (i64.store (i32.const 0) (global.get $counter))
            (i32.const 8))
          (func (export "write_then_trap") (param i32) (result i32)
            (i64.store offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12)) (i64.load (i32.const 4)))
            unreachable))
        """;

    private static byte[] WriteArg(uint page, ulong value) => [.. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)];

    private static void Write(Session session, uint page, ulong value) => session.Call(Id, "write", WriteArg(page, value), Gas);

    private static ulong Read(Session session, uint page) => BitConverter.ToUInt64(session.Call(Id, "read", BitConverter.GetBytes(page), Gas).Data);

    private static uint Size(Session session) => BitConverter.ToUInt32(session.Call(Id, "size", [], Gas).Data);

    /// <summary>Commits R1 (page 3 = 11) and, on it, R2 (page 3 = 22, page 9 = 7).</summary>
    private static (Hash R1, Hash R2) TwoCommits(VM vm)
    {
        using var session = vm.Session();
        session.Deploy(Wasmtime.Module.ConvertText(Wat), new ContractData(new byte[] { 1 }, Id: Id), Gas);
        Write(session, 3, 11);
        var r1 = session.Commit();
        Write(session, 3, 22);
        Write(session, 9, 7);
        return (r1, session.Commit());
    }

    [Fact]
    public void Later_sessions_reuse_the_instance_and_see_none_of_the_earlier_sessions_writes()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, _) = TwoCommits(vm);
        long before = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i == 1) before = vm.InstancesCreated;
            using var session = vm.Session(new SessionData { Base = r1 });
            Assert.Equal(11UL, Read(session, 3));
            Assert.Equal(0UL, Read(session, 9));
            Assert.Equal(16U, Size(session));
            Write(session, 3, 100 + (ulong)i);
            Write(session, 9, 200 + (ulong)i);
            Assert.Equal(100 + (ulong)i, Read(session, 3));
        }
        Assert.True(before > 0);
        Assert.Equal(before, vm.InstancesCreated); // every session after the first reused its instance
    }

    [Fact]
    public void A_reused_instance_shows_each_sessions_own_base_exactly()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, r2) = TwoCommits(vm);
        var expected = new Dictionary<Hash, (ulong Page3, ulong Page9)> { [r1] = (11, 0), [r2] = (22, 7) };
        Hash[] order = [r1, r1, r2, r2, r1, r2, r1, r1];
        foreach (var root in order)
        {
            using var session = vm.Session(new SessionData { Base = root });
            Assert.Equal(expected[root].Page3, Read(session, 3));
            Assert.Equal(expected[root].Page9, Read(session, 9));
            Write(session, 3, 999);
            Write(session, 12, 5);
        }
        // Root stays what the commit made: nothing of the dropped writes leaked into the state.
        using var check = vm.Session(new SessionData { Base = r2 });
        Assert.Equal(r2, check.Root);
    }

    [Fact]
    public void A_session_that_committed_leaves_nothing_to_sessions_on_the_old_base()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, _) = TwoCommits(vm);
        Hash r3;
        using (var session = vm.Session(new SessionData { Base = r1 }))
        {
            Write(session, 4, 44);
            r3 = session.Commit();
            Write(session, 4, 45); // left uncommitted
        }
        using (var session = vm.Session(new SessionData { Base = r1 }))
        {
            Assert.Equal(0UL, Read(session, 4));
            Assert.Equal(11UL, Read(session, 3));
        }
        using (var session = vm.Session(new SessionData { Base = r3 }))
        {
            Assert.Equal(r3, session.Root);
            Assert.Equal(44UL, Read(session, 4));
        }
    }

    [Fact]
    public void An_instance_left_right_after_its_commit_or_written_after_it_shows_the_commit_to_the_next_session()
    {
        using var vm = TestVM.Ephemeral();
        var (_, r2) = TwoCommits(vm);
        var root = r2;
        for (int i = 0; i < 6; i++)
        {
            bool writeAfterCommit = i % 2 == 1;
            using var session = vm.Session(new SessionData { Base = root });
            Assert.Equal(22UL + (ulong)i, Read(session, 3));
            Assert.Equal(7UL, Read(session, 9));
            Assert.Equal(0UL, Read(session, 14));
            Write(session, 9, 7); // the same bytes again: private, but not a change
            Write(session, 3, 23 + (ulong)i);
            root = session.Commit();
            if (writeAfterCommit)
            {
                // Left uncommitted: the next session, on the same commit, reuses this instance.
                Write(session, 3, 1_000);
                Write(session, 14, 1_000);
            }
        }
        using var check = vm.Session(new SessionData { Base = root });
        Assert.Equal(root, check.Root);
        Assert.Equal(28UL, Read(check, 3));
        Assert.Equal(0UL, Read(check, 14));
    }

    [Fact]
    public void Sessions_each_on_the_commit_the_last_one_made_keep_its_values_through_failures()
    {
        // Each session's instance goes on to the next with the pages it changed held privately (the
        // mapped path keeps them over a commit): a failure must put those pages back to the commit, not
        // drop them to what the files mapped under them show, and nothing uncommitted may reach the next.
        using var vm = TestVM.Ephemeral();
        var (r1, root) = TwoCommits(vm);
        long created = vm.InstancesCreated;
        ulong page9 = 7;
        for (int i = 0; i < 12; i++)
        {
            using var session = vm.Session(new SessionData { Base = root });
            Assert.ThrowsAny<CallFailedException>(() => session.Call(Id, "write_then_trap", WriteArg(9, 66), Gas));
            Assert.Equal(page9, Read(session, 9));
            Assert.Equal(22UL, Read(session, 3));
            Write(session, 9, page9 = 1_000 + (ulong)i);
            Write(session, (uint)(10 + i), 5 + (ulong)i);
            root = session.Commit();
            Assert.ThrowsAny<CallFailedException>(() => session.Call(Id, "write_then_trap", WriteArg(3, 66), Gas));
            if (i % 4 == 3) Write(session, 3, 33); // left uncommitted
        }
        Assert.Equal(created, vm.InstancesCreated);
        using (var check = vm.Session(new SessionData { Base = root }))
        {
            Assert.Equal(root, check.Root);
            Assert.Equal(22UL, Read(check, 3));
            Assert.Equal(page9, Read(check, 9));
            for (int i = 0; i < 12; i++) Assert.Equal(5 + (ulong)i, Read(check, (uint)(10 + i)));
        }
        using var old = vm.Session(new SessionData { Base = r1 });
        Assert.Equal(11UL, Read(old, 3));
        Assert.Equal(0UL, Read(old, 9));
        Assert.Equal(0UL, Read(old, 10));
    }

    [Fact]
    public void Many_contracts_of_one_code_find_their_instances_again_in_later_sessions()
    {
        // A block calls many contracts deployed from the same bytecode: each needs an instance of its own.
        const int Contracts = 100;
        using var vm = TestVM.Ephemeral();
        var bytecode = Wasmtime.Module.ConvertText(Wat);
        var ids = Enumerable.Range(0, Contracts).Select(k => ContractId.FromBytes(BitConverter.GetBytes(k + 1).Concat(new byte[28]).ToArray())).ToArray();
        Hash root;
        using (var session = vm.Session())
        {
            foreach (var id in ids) session.Deploy(bytecode, new ContractData(new byte[] { 1 }, Id: id), Gas);
            root = session.Commit();
        }
        long created = vm.InstancesCreated;
        for (int round = 1; round <= 3; round++)
        {
            using var session = vm.Session(new SessionData { Base = root });
            for (int k = 0; k < Contracts; k++)
            {
                ulong before = BitConverter.ToUInt64(session.Call(ids[k], "read", BitConverter.GetBytes(3u), Gas).Data);
                Assert.Equal(round == 1 ? 0 : (ulong)(k * 10 + round - 1), before);
                session.Call(ids[k], "write", WriteArg(3, (ulong)(k * 10 + round)), Gas);
            }
            root = session.Commit();
        }
        Assert.Equal(created, vm.InstancesCreated);
    }

    [Fact]
    public void Memory_grown_by_an_earlier_session_does_not_show_in_a_later_one()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, _) = TwoCommits(vm);
        using (var session = vm.Session(new SessionData { Base = r1 }))
        {
            session.Call(Id, "grow", [], Gas);
            Assert.Equal(17U, Size(session));
            Write(session, 16 * 16 + 1, 77); // a page in the grown part
        }
        using (var session = vm.Session(new SessionData { Base = r1 }))
        {
            Assert.Equal(16U, Size(session));
            Assert.Equal((ulong)16 * 65536, session.MemoryLength(Id));
            session.Call(Id, "grow", [], Gas);
            Assert.Equal(0UL, Read(session, 16 * 16 + 1));
        }
    }

    [Fact]
    public void Globals_and_failed_calls_of_earlier_sessions_do_not_show()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, _) = TwoCommits(vm);
        for (int i = 0; i < 3; i++)
        {
            using var session = vm.Session(new SessionData { Base = r1 });
            Assert.Equal(1UL, BitConverter.ToUInt64(session.Call(Id, "bump", [], Gas).Data));
            Assert.ThrowsAny<CallFailedException>(() => session.Call(Id, "write_then_trap", WriteArg(3, 66), Gas));
            Assert.Equal(11UL, Read(session, 3));
            Write(session, 5, 55); // left in the instance when the session ends
        }
        using var last = vm.Session(new SessionData { Base = r1 });
        Assert.Equal(r1, last.Root);
        Assert.Equal(0UL, Read(last, 5));
    }

    [Fact]
    public void New_and_reused_instances_give_the_same_results_gas_events_and_root()
    {
        var directory = Storage.StoreFixture.TempDirectory();
        try
        {
            Hash root;
            ContractId counter, center;
            using (var vm = TestVM.Open(directory))
            using (var session = vm.Session())
            {
                counter = Contracts.Deploy(session, "counter");
                center = Contracts.Deploy(session, "callcenter");
                root = session.Commit();
            }
            // A session of inter-contract calls, a nested failure, a top-level panic and events.
            List<string> Run(VM vm)
            {
                var seen = new List<string>();
                using var session = vm.Session(new SessionData { Base = root });
                void Record(CallReceipt r) => seen.Add($"{Convert.ToHexString(r.Data)} gas {r.GasSpent} events {string.Join(",", r.Events.Select(e => e.Topic + ":" + Convert.ToHexString(e.Data)))}");
                Record(session.Call(center, "increment_counter", counter.ToArray(), Contracts.Gas));
                Record(session.Call(center, "query_counter", counter.ToArray(), Contracts.Gas));
                Record(session.Call(center, "delegate_query_with_event", SessionFixture.Request(counter, "read_value"), Contracts.Gas));
                Record(session.Call(center, "delegate_query_with_event", SessionFixture.Request(counter, "increment_fallible", [1]), Contracts.Gas));
                var panic = Assert.ThrowsAny<CallFailedException>(() => session.Call(center, "panik", [], Contracts.Gas));
                seen.Add($"panic gas {panic.GasSpent}");
                Record(session.Call(counter, "read_value", [], Contracts.Gas));
                seen.Add(session.Root.ToString());
                return seen;
            }
            List<string> fresh;
            using (var vm = TestVM.Open(directory, new VMOptions { WarmUpOnOpen = 0 }))
            {
                Assert.Equal(0, vm.InstancesCreated);
                fresh = Run(vm);
                Assert.Equal(2, vm.InstancesCreated); // the first session of a VM instantiates
                var reused = Run(vm);
                var reusedAgain = Run(vm);
                Assert.Equal(2, vm.InstancesCreated); // the later ones take its instances over
                Assert.Equal(fresh, reused);
                Assert.Equal(fresh, reusedAgain);
            }
            // A VM that warms the two up when it opens (they ran last): its first session takes those over.
            using (var vm = TestVM.Open(directory))
            {
                Assert.Equal(2, vm.InstancesCreated);
                Assert.Equal(fresh, Run(vm));
                Assert.Equal(2, vm.InstancesCreated);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Disposing_a_session_from_inside_its_running_call_is_refused()
    {
        using var f = new SessionFixture();
        var feeder = f.Deploy("feeder");
        var root = f.Session.Root;
        var error = Assert.Throws<SessionBusyException>(() =>
            f.Session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, _ => f.Session.Dispose()));
        Assert.Equal(("Dispose", "FeederCall"), (error.Operation, error.BusyWith));
        Assert.Equal(root, f.Session.Root); // the call was undone and the session still works
        var items = new List<byte[]>();
        f.Session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, item => items.Add(item.ToArray()));
        Assert.Equal(3, items.Count);
    }

    [Fact]
    public void Sessions_open_at_the_same_time_get_instances_of_their_own()
    {
        using var vm = TestVM.Ephemeral();
        var (r1, r2) = TwoCommits(vm);
        for (int round = 0; round < 3; round++)
        {
            using var a = vm.Session(new SessionData { Base = r1 });
            using var b = vm.Session(new SessionData { Base = r2 });
            Write(a, 3, 1000 + (ulong)round);
            Assert.Equal(22UL, Read(b, 3));
            Write(b, 9, 2000 + (ulong)round);
            Assert.Equal(0UL, Read(a, 9));
            Assert.Equal(1000 + (ulong)round, Read(a, 3));
        }
    }
}
