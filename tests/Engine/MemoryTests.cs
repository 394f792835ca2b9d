using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class MemoryTests
{
    [Theory]
    [InlineData("growth")]
    [InlineData("growth64")]
    public void Memory_grows_persists_and_a_failed_call_undoes_its_growth(string contract)
    {
        using var f = new SessionFixture();
        var growth = f.Deploy(contract);
        Assert.Equal(2UL * 65536, f.Session.MemoryLength(growth));
        Assert.Equal(Contracts.Le(2UL), f.Call(growth, "grow_by", Contracts.Le(3u)).Data);
        Assert.Equal(5UL * 65536, f.Session.MemoryLength(growth));
        Assert.Equal(Convert.FromHexString("040000000000dec0"), f.Call(growth, "read_marker", Contracts.Le(4u)).Data);

        var root = f.Session.Root;
        var error = Assert.Throws<ContractPanicException>(() => f.Call(growth, "grow_and_panic", Contracts.Le(10u)));
        Assert.Equal("grew and panicked", error.Message);
        Assert.Equal(5UL * 65536, f.Session.MemoryLength(growth));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(Contracts.Le(5UL * 65536), f.Call(growth, "len").Data);

        var commit = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Equal(5UL * 65536, next.MemoryLength(growth));
        Assert.Equal(Convert.FromHexString("040000000000dec0"), next.Call(growth, "read_marker", Contracts.Le(4u), Contracts.Gas).Data);
    }

    [Fact]
    public void Append_and_revert_like_piecrusts_grower()
    {
        using var f = new SessionFixture();
        var growth = f.Deploy("growth");
        var chunk = Enumerable.Range(0, 65536).Select(i => (byte)i).ToArray();
        f.Call(growth, "append", chunk);
        f.Call(growth, "append", chunk);
        Assert.Equal(Contracts.Le(2u * 65536), f.Call(growth, "data_len").Data);
        var root = f.Session.Root;
        ulong length = f.Session.MemoryLength(growth);
        Assert.Throws<ContractPanicException>(() => f.Call(growth, "append_and_panic", chunk));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(length, f.Session.MemoryLength(growth));
        Assert.Equal(Contracts.Le(2u * 65536), f.Call(growth, "data_len").Data);
        var view = f.Call(growth, "view", Contracts.Cat(Contracts.Le(65536u + 10), Contracts.Le(6u))).Data;
        Assert.Equal(chunk.AsSpan(10, 6).ToArray(), view);
    }

    [Fact]
    public void A_64_bit_contract_addresses_memory_above_4_GiB()
    {
        using var f = new SessionFixture();
        var big = f.Deploy("big64");
        var pages = BitConverter.ToUInt64(f.Call(big, "write_high", Contracts.Le(0x1122334455667788UL)).Data);
        Assert.True(pages >= 65537);
        Assert.Equal(Contracts.Le(0x1122334455667788UL), f.Call(big, "read_high").Data);
        Assert.True(f.Session.MemoryLength(big) > 1UL << 32);

        var commit = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Equal(Contracts.Le(0x1122334455667788UL), next.Call(big, "read_high", [], Contracts.Gas).Data);
    }

    // grow [u64 pages] → old pages (u64); size → pages; poke [u64 address][u64 value]; peek [u64 address] → u64.
    private const string Memory64Probe = """
        (module
          (memory (export "memory") i64 1)
          (global (export "A") i64 (i64.const 0))
          (func (export "grow") (param i32) (result i32) (i64.store (i64.const 0) (memory.grow (i64.load (i64.const 0)))) i32.const 8)
          (func (export "size") (param i32) (result i32) (i64.store (i64.const 0) (memory.size)) i32.const 8)
          (func (export "poke") (param i32) (result i32) (i64.store (i64.load (i64.const 0)) (i64.load (i64.const 8))) i32.const 0)
          (func (export "peek") (param i32) (result i32) (i64.store (i64.const 0) (i64.load (i64.load (i64.const 0)))) i32.const 8))
        """;

    [Fact]
    public void A_64_bit_memory_grows_to_exactly_4_TiB_and_a_value_written_near_the_top_commits()
    {
        using var f = new SessionFixture();
        var probe = f.Session.Deploy(Contracts.Wat(Memory64Probe), new ContractData(Contracts.Owner), Contracts.Gas);
        const ulong maxPages = 1UL << 26;
        Assert.Equal(Contracts.Le(1UL), f.Call(probe, "grow", Contracts.Le(maxPages - 1)).Data);
        Assert.Equal(Contracts.Le(maxPages), f.Call(probe, "size").Data);
        Assert.Equal(Contracts.Le(ulong.MaxValue), f.Call(probe, "grow", Contracts.Le(1UL)).Data); // -1: not one page further
        Assert.Equal(Contracts.Le(maxPages), f.Call(probe, "grow", Contracts.Le(0UL)).Data);
        Assert.Equal(1UL << 42, f.Session.MemoryLength(probe));

        ulong top = (1UL << 42) - 8;
        f.Call(probe, "poke", Contracts.Cat(Contracts.Le(top), Contracts.Le(0x0123456789ABCDEFUL)));
        f.Call(probe, "poke", Contracts.Cat(Contracts.Le(1UL << 32), Contracts.Le(0xFEDCBA9876543210UL)));
        var commit = f.Session.Commit();

        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Equal(1UL << 42, next.MemoryLength(probe));
        Assert.Equal(Contracts.Le(0x0123456789ABCDEFUL), next.Call(probe, "peek", Contracts.Le(top), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0xFEDCBA9876543210UL), next.Call(probe, "peek", Contracts.Le(1UL << 32), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0xFEDCBA9876543210UL), f.Vm.ReadPage(commit, probe, (1UL << 32) / 4096)[..8]);
        Assert.True(f.Vm.Fsck().IsClean);
    }

    [Fact]
    public void A_declared_maximum_limits_growth_but_not_accesses_inside_the_width_maximum()
    {
        // As piecrust 0.32, whose memories span 4 GiB / 4 TiB whatever the module declares.
        using var f = new SessionFixture();
        var probe = f.Session.Deploy(Contracts.Wat(Memory64Probe.Replace("i64 1)", "i64 1 2)")), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(Contracts.Le(1UL), f.Call(probe, "grow", Contracts.Le(1UL)).Data);
        Assert.Equal(Contracts.Le(ulong.MaxValue), f.Call(probe, "grow", Contracts.Le(1UL)).Data);
        f.Call(probe, "poke", Contracts.Cat(Contracts.Le(1UL << 40), Contracts.Le(9UL)));
        Assert.Equal(Contracts.Le(9UL), f.Call(probe, "peek", Contracts.Le(1UL << 40)).Data);
        Assert.Equal(2UL * 65536, f.Session.MemoryLength(probe));
    }

    [Theory]
    [InlineData(MemoryPath.Mapped)]
    [InlineData(MemoryPath.Plain)]
    public void A_memory_of_length_zero_keeps_what_was_written_past_it(MemoryPath path)
    {
        using var vm = VM.Ephemeral(new VMOptions { Memory = path });
        using var session = vm.Session();
        var probe = session.Deploy(Contracts.Wat(Memory64Probe.Replace("i64 1)", "i64 0)")), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(0UL, session.MemoryLength(probe));
        session.Call(probe, "poke", Contracts.Cat(Contracts.Le(70000UL), Contracts.Le(0xABCDUL)), Contracts.Gas);
        var root = session.Commit();
        using var next = vm.Session(new SessionData { Base = root });
        Assert.Equal(0UL, next.MemoryLength(probe));
        Assert.Equal(Contracts.Le(0xABCDUL), next.Call(probe, "peek", Contracts.Le(70000UL), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0UL), next.Call(probe, "grow", Contracts.Le(2UL), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0xABCDUL), next.Call(probe, "peek", Contracts.Le(70000UL), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0xABCDUL), vm.ReadPage(next.Commit(), probe, 70000 / 4096)[(70000 % 4096)..(70000 % 4096 + 8)]);
    }

    [Fact]
    public void A_lower_MaxMemory_stops_growth_and_accesses_at_it_and_refuses_larger_initial_memories()
    {
        const ulong limit = 8UL << 20;
        using var f = new SessionFixture(new VMOptions { MaxMemory = limit });
        var probe = f.Session.Deploy(Contracts.Wat(Memory64Probe), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(Contracts.Le(1UL), f.Call(probe, "grow", Contracts.Le(limit / 65536 - 1)).Data);
        Assert.Equal(Contracts.Le(ulong.MaxValue), f.Call(probe, "grow", Contracts.Le(1UL)).Data);
        f.Call(probe, "poke", Contracts.Cat(Contracts.Le(limit - 8), Contracts.Le(7UL)));
        var error = Assert.Throws<ContractTrapException>(() => f.Call(probe, "peek", Contracts.Le(limit - 4)));
        Assert.Contains("out-of-bounds memory access", error.Message);
        var big = Contracts.Wat("""(module (memory (export "memory") i64 129) (global (export "A") i64 (i64.const 0)) (func (export "f") (param i32) (result i32) i32.const 0))""");
        var refused = Assert.Throws<InvalidModuleException>(() => f.Session.Deploy(big, new ContractData(Contracts.Owner), Contracts.Gas));
        Assert.Equal(nameof(VMOptions.MaxMemory), refused.LimitOption);
    }

    [Fact]
    public void A_pointer_past_4_TiB_traps_with_a_clear_error()
    {
        using var f = new SessionFixture();
        var contract = f.Deploy("everything_import64.wat");
        ulong fourTiB = 1UL << 42;
        var error = Assert.Throws<ContractTrapException>(() =>
            f.Call(contract, "call_hd", Contracts.Cat(Contracts.Le(fourTiB - 1), Contracts.Le(2u))));
        Assert.Contains("out of bounds", error.Message);
        Assert.Contains("4398046511104", error.Message);
        // Inside the 4 TiB maximum, past the current size: reads as zeros, so just "no such metadata".
        Assert.Equal(Contracts.Le(0), f.Call(contract, "call_hd", Contracts.Cat(Contracts.Le(0xFFFF_FFFFUL), Contracts.Le(2u))).Data);
    }

    [Fact]
    public void A_32_bit_pointer_past_4_GiB_traps()
    {
        using var f = new SessionFixture();
        var contract = f.Deploy("everything_import.wat");
        var error = Assert.Throws<ContractTrapException>(() =>
            f.Call(contract, "call_hd", Contracts.Cat(Contracts.Le(0xFFFF_FFFFUL), Contracts.Le(2u))));
        Assert.Contains("out of bounds", error.Message);
    }

    [Fact]
    public void Globals_do_not_persist_between_top_level_calls_but_memory_does()
    {
        using var f = new SessionFixture();
        var id = f.Session.Deploy(Contracts.Wat("""
            (module
              (memory (export "memory") 2)
              (global (export "A") i32 (i32.const 65536))
              (global $g (mut i32) (i32.const 7))
              (func (export "bump") (param i32) (result i32)
                ;; global += 1; memory[0] += 1; A[0..4] = global, A[4..8] = memory[0]
                (global.set $g (i32.add (global.get $g) (i32.const 1)))
                (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
                (i32.store (i32.const 65536) (global.get $g))
                (i32.store (i32.const 65540) (i32.load (i32.const 0)))
                (i32.const 8)))
            """), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(Contracts.Cat(Contracts.Le(8), Contracts.Le(1)), f.Call(id, "bump").Data);
        Assert.Equal(Contracts.Cat(Contracts.Le(8), Contracts.Le(2)), f.Call(id, "bump").Data);
        Assert.Equal(Contracts.Cat(Contracts.Le(8), Contracts.Le(3)), f.Call(id, "bump").Data);
    }

    [Fact]
    public void Data_segments_apply_once_at_deploy_and_never_over_stored_state()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        f.Call(counter, "write_value", Contracts.Le(5UL));
        var commit = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Equal(Contracts.Le(5UL), next.Call(counter, "read_value", [], Contracts.Gas).Data);
    }

    [Fact]
    public void Stack_vector_and_box_keep_state_across_calls_and_commits()
    {
        using var f = new SessionFixture();
        var stack = f.Deploy("stack");
        var vector = f.Deploy("vector");
        var box = f.Deploy("box");
        f.Call(stack, "push_n", Contracts.Le(20_000u));
        Assert.Equal(Contracts.Le(20_000u), f.Call(stack, "len").Data);
        Assert.Equal(Contracts.Le(19_999), f.Call(stack, "pop").Data);
        f.Call(vector, "push", BitConverter.GetBytes((short)-5));
        Assert.Equal(BitConverter.GetBytes((short)-5), f.Call(vector, "pop").Data);
        Assert.Empty(f.Call(vector, "pop").Data);
        Assert.Empty(f.Call(box, "get").Data);
        f.Call(box, "set", BitConverter.GetBytes((short)0x1234));
        var commit = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Equal(BitConverter.GetBytes((short)0x1234), next.Call(box, "get", [], Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(19_999u), next.Call(stack, "len", [], Contracts.Gas).Data);
    }
}
