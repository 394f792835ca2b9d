using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// The gas schedule of piecrust 0.32 (ABI.md, Gas), on hand-counted WAT functions. Every expected
/// figure is counted from the schedule in the comment beside it, never read back from the engine:
/// entering a function costs 1; every operator 1 except <c>nop</c>, <c>drop</c>, <c>block</c>,
/// <c>loop</c>, <c>unreachable</c>, <c>return</c>, <c>else</c>, <c>end</c> (0); stores 16 / 32 / 64 by
/// width class; <c>memory.copy</c>, <c>fill</c>, <c>init</c>, <c>grow</c> and <c>data.drop</c> 1 whatever
/// their length; <c>emit</c> 4 per byte; <c>hq</c> its price. Each figure is checked on both memory paths.
/// </summary>
public sealed class GasScheduleTests
{
    private const string Module32 = """
        (module
          (import "env" "emit" (func $emit (param i32 i32 i32)))
          (import "env" "hq" (func $hq (param i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 0))
          (data (i32.const 70000) "topic")
          (data (i32.const 70100) "priced")
          (data $passive "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
          (func (export "empty") (param i32) (result i32) i32.const 0)
          (func (export "i32_store") (param i32) (result i32) i32.const 64 i32.const 7 i32.store i32.const 0)
          (func (export "f32_store") (param i32) (result i32) i32.const 64 f32.const 7 f32.store i32.const 0)
          (func (export "i32_store8") (param i32) (result i32) i32.const 64 i32.const 7 i32.store8 i32.const 0)
          (func (export "i32_store16") (param i32) (result i32) i32.const 64 i32.const 7 i32.store16 i32.const 0)
          (func (export "i64_store") (param i32) (result i32) i32.const 64 i64.const 7 i64.store i32.const 0)
          (func (export "f64_store") (param i32) (result i32) i32.const 64 f64.const 7 f64.store i32.const 0)
          (func (export "i64_store8") (param i32) (result i32) i32.const 64 i64.const 7 i64.store8 i32.const 0)
          (func (export "i64_store16") (param i32) (result i32) i32.const 64 i64.const 7 i64.store16 i32.const 0)
          (func (export "i64_store32") (param i32) (result i32) i32.const 64 i64.const 7 i64.store32 i32.const 0)
          (func (export "v128_store") (param i32) (result i32) i32.const 64 v128.const i64x2 7 7 v128.store i32.const 0)
          (func (export "v128_store8_lane") (param i32) (result i32) i32.const 64 v128.const i64x2 7 7 v128.store8_lane 3 i32.const 0)
          (func (export "v128_store64_lane") (param i32) (result i32) i32.const 64 v128.const i64x2 7 7 v128.store64_lane 1 i32.const 0)
          ;; The same operands, dropped instead of stored: the difference is the store alone.
          (func (export "i32_operands") (param i32) (result i32) i32.const 64 i32.const 7 drop drop i32.const 0)
          (func (export "i64_operands") (param i32) (result i32) i32.const 64 i64.const 7 drop drop i32.const 0)
          (func (export "v128_operands") (param i32) (result i32) i32.const 64 v128.const i64x2 7 7 drop drop i32.const 0)
          (func (export "four_i64_stores") (param i32) (result i32)
            i32.const 64 i64.const 1 i64.store i32.const 72 i64.const 2 i64.store
            i32.const 80 i64.const 3 i64.store i32.const 88 i64.const 4 i64.store i32.const 0)
          (func (export "two_f64_stores") (param i32) (result i32)
            i32.const 64 f64.const 1 f64.store i32.const 72 f64.const 2 f64.store i32.const 0)
          (func (export "loads") (param i32) (result i32)
            i32.const 64 i64.load drop i32.const 64 i32.load8_u drop i32.const 64 v128.load drop i32.const 0)
          (func (export "dead_store") (param i32) (result i32)
            block
              br 0
              i32.const 64 i64.const 7 i64.store
            end
            i32.const 0)
          (func (export "branchy") (param i32) (result i32)
            local.get 0
            if
              i32.const 64 i32.const 1 i32.store8
            else
              i32.const 64 i64.const 1 i64.store
            end
            i32.const 0)
          (func (export "loop_stores") (param i32) (result i32) (local $i i32)
            loop $again
              local.get $i i32.const 8 i32.mul i64.const 5 i64.store
              local.get $i i32.const 1 i32.add local.tee $i
              i32.const 3 i32.lt_u
              br_if $again
            end
            i32.const 0)
          (func $helper (param i32) local.get 0 i32.const 9 i32.store)
          (func (export "calls") (param i32) (result i32) i32.const 64 call $helper i32.const 0)
          (func (export "copy") (param i32) (result i32) i32.const 65536 i32.const 0 local.get 0 memory.copy i32.const 0)
          (func (export "fill") (param i32) (result i32) i32.const 65536 i32.const 255 local.get 0 memory.fill i32.const 0)
          (func (export "init_passive") (param i32) (result i32) i32.const 65536 i32.const 0 local.get 0 memory.init $passive i32.const 0)
          (func (export "drop_then_init") (param i32) (result i32)
            data.drop $passive i32.const 65536 i32.const 0 local.get 0 memory.init $passive i32.const 0)
          (func (export "grow") (param i32) (result i32) local.get 0 memory.grow drop i32.const 0)
          (func (export "size") (param i32) (result i32) memory.size drop i32.const 0)
          (func (export "emit") (param i32) (result i32) i32.const 70000 i32.const 5 local.get 0 call $emit i32.const 0)
          (func (export "hq") (param i32) (result i32) i32.const 70100 i32.const 6 local.get 0 call $hq))
        """;

    /// <summary>The bulk-memory functions for a 64-bit memory (operands i64, gas the same).</summary>
    private const string Module64 = """
        (module
          (memory (export "memory") i64 2)
          (global (export "A") i64 (i64.const 0))
          (data $passive "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
          (func (export "i64_store") (param i32) (result i32) i64.const 64 i64.const 7 i64.store i32.const 0)
          (func (export "v128_store") (param i32) (result i32) i64.const 64 v128.const i64x2 7 7 v128.store i32.const 0)
          (func (export "copy") (param i32) (result i32) i64.const 65536 i64.const 0 local.get 0 i64.extend_i32_u memory.copy i32.const 0)
          (func (export "fill") (param i32) (result i32) i64.const 65536 i32.const 255 local.get 0 i64.extend_i32_u memory.fill i32.const 0)
          (func (export "init_passive") (param i32) (result i32) i64.const 65536 i32.const 0 local.get 0 memory.init $passive i32.const 0)
          (func (export "grow") (param i32) (result i32) local.get 0 i64.extend_i32_u memory.grow drop i32.const 0))
        """;

    public static readonly TheoryData<MemoryPath> Paths = new() { MemoryPath.Mapped, MemoryPath.Plain };

    private sealed class Fixture : IDisposable
    {
        public Fixture(MemoryPath path, string wat)
        {
            Vm = VM.Ephemeral(new VMOptions { Memory = path });
            Vm.RegisterHostQuery("priced", new PricedQuery(price: 1234));
            Session = Vm.Session();
            Id = Session.Deploy(Contracts.Wat(wat), new ContractData(Contracts.Owner), Contracts.Gas);
        }

        public VM Vm { get; }
        public Session Session { get; }
        public ContractId Id { get; }

        public ulong Gas(string function, int argLength = 0) => Session.Call(Id, function, new byte[argLength], Contracts.Gas).GasSpent;

        public void Dispose()
        {
            Session.Dispose();
            Vm.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Stores_cost_four_gas_per_byte_of_their_width_class(MemoryPath path)
    {
        using var f = new Fixture(path, Module32);
        // entry 1 + i32.const 1 = 2
        Assert.Equal(2UL, f.Gas("empty"));
        // entry 1 + two operands 2 + store + i32.const 1
        foreach (var store in new[] { "i32_store", "f32_store", "i32_store8", "i32_store16" })
            Assert.Equal(1 + 2 + 16 + 1UL, f.Gas(store));
        foreach (var store in new[] { "i64_store", "f64_store", "i64_store8", "i64_store16", "i64_store32" })
            Assert.Equal(1 + 2 + 32 + 1UL, f.Gas(store));
        foreach (var store in new[] { "v128_store", "v128_store8_lane", "v128_store64_lane" })
            Assert.Equal(1 + 2 + 64 + 1UL, f.Gas(store));

        // One store more than the same operands dropped (drop costs 0): exactly the store's price.
        Assert.Equal(16UL, f.Gas("i32_store8") - f.Gas("i32_operands"));
        Assert.Equal(32UL, f.Gas("i64_store") - f.Gas("i64_operands"));
        Assert.Equal(64UL, f.Gas("v128_store") - f.Gas("v128_operands"));

        // The figures above an empty call: four i64.store 4 × (2 + 32) = 136, two f64.store 2 × 34 = 68.
        Assert.Equal(136UL, f.Gas("four_i64_stores") - f.Gas("empty"));
        Assert.Equal(68UL, f.Gas("two_f64_stores") - f.Gas("empty"));
        // Loads cost 1: entry 1 + 3 × (address 1 + load 1; drop 0) + 1
        Assert.Equal(1 + 3 * 2 + 1UL, f.Gas("loads"));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Control_flow_calls_and_unreachable_code_are_counted_as_Wasmtime_counts_them(MemoryPath path)
    {
        using var f = new Fixture(path, Module32);
        // entry 1, block 0, br 1, the dead store costs nothing, end 0, i32.const 1
        Assert.Equal(3UL, f.Gas("dead_store"));
        // entry 1 + local.get 1 + if 1 + then: 2 + 16 (else not run) + end 0 + 1
        Assert.Equal(1 + 1 + 1 + 18 + 1UL, f.Gas("branchy", argLength: 1));
        // entry 1 + local.get 1 + if 1 + else: 2 + 32 + 1
        Assert.Equal(1 + 1 + 1 + 34 + 1UL, f.Gas("branchy", argLength: 0));
        // entry 1 + 3 iterations × (local.get, i32.const, i32.mul, i64.const 4 + store 32 +
        // local.get, i32.const, i32.add, local.tee, i32.const, i32.lt_u, br_if 7) + end 0 + i32.const 1
        Assert.Equal(1 + 3 * (4 + 32 + 7) + 1UL, f.Gas("loop_stores"));
        // entry 1 + i32.const 1 + call 1 + helper: entry 1 + local.get 1 + i32.const 1 + store 16 + i32.const 1
        Assert.Equal(1 + 1 + 1 + (1 + 2 + 16) + 1UL, f.Gas("calls"));
    }

    [Fact]
    public void A_module_loaded_from_the_store_cache_keeps_its_gas_and_host_operators()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Hash commit;
            ContractId id;
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session();
                id = session.Deploy(Contracts.Wat(Module32), new ContractData(Contracts.Owner), Contracts.Gas);
                commit = session.Commit();
            }
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session(new SessionData { Base = commit });
                // Counted as in Bulk_memory_operators_cost_one_whatever_their_length.
                Assert.Equal(6UL, session.Call(id, "copy", new byte[61_440], Contracts.Gas).GasSpent);
                Assert.Equal(6UL, session.Call(id, "init_passive", new byte[64], Contracts.Gas).GasSpent);
                Assert.Equal(4UL, session.Call(id, "grow", new byte[1], Contracts.Gas).GasSpent);
                Assert.Equal(1 + 2 + 32 + 1UL, session.Call(id, "i64_store", [], Contracts.Gas).GasSpent);
                Assert.Throws<ContractTrapException>(() => session.Call(id, "init_passive", new byte[65], Contracts.Gas));
                Assert.Equal(0, vm.ModulesCompiled);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_function_at_the_limit_of_locals_is_priced_the_same()
    {
        // One parameter and 49,999 locals: Wasmtime's limit of 50,000, so no padding local can be added.
        string locals = string.Join(" ", Enumerable.Repeat("i32", 49_999));
        using var f = new Fixture(TestVM.Path, $$"""
            (module
              (memory (export "memory") 1)
              (global (export "A") i32 (i32.const 0))
              (func (export "f") (param i32) (result i32) (local {{locals}}) i32.const 64 i64.const 7 i64.store i32.const 0))
            """);
        // entry 1 + two operands 2 + i64.store 32 + i32.const 1
        Assert.Equal(1 + 2 + 32 + 1UL, f.Gas("f"));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Bulk_memory_operators_cost_one_whatever_their_length(MemoryPath path)
    {
        using var f = new Fixture(path, Module32);
        foreach (int length in new[] { 0, 1, 61_440 })
        {
            // entry 1 + three operands 3 + operator 1 + i32.const 1
            Assert.Equal(6UL, f.Gas("copy", length));
            Assert.Equal(6UL, f.Gas("fill", length));
        }
        foreach (int length in new[] { 0, 1, 64 })
            Assert.Equal(6UL, f.Gas("init_passive", length));
        // entry 1 + data.drop 1 + three operands 3 + memory.init 1 + i32.const 1 (length 0 from a dropped segment is in bounds)
        Assert.Equal(7UL, f.Gas("drop_then_init", 0));
        foreach (int pages in new[] { 0, 1, 5 })
        {
            // entry 1 + local.get 1 + memory.grow 1 + drop 0 + i32.const 1
            Assert.Equal(4UL, f.Gas("grow", pages));
        }
        // entry 1 + memory.size 1 + drop 0 + i32.const 1
        Assert.Equal(3UL, f.Gas("size"));

        using var g = new Fixture(path, Module64);
        Assert.Equal(1 + 2 + 32 + 1UL, g.Gas("i64_store"));
        Assert.Equal(1 + 2 + 64 + 1UL, g.Gas("v128_store"));
        foreach (int length in new[] { 0, 1, 61_440 })
        {
            // entry 1 + i64.const 2 + local.get 1 + i64.extend_i32_u 1 + operator 1 + i32.const 1
            Assert.Equal(7UL, g.Gas("copy", length));
            Assert.Equal(7UL, g.Gas("fill", length));
        }
        // entry 1 + three operands 3 + memory.init 1 + i32.const 1
        Assert.Equal(6UL, g.Gas("init_passive", 64));
        // entry 1 + local.get 1 + i64.extend_i32_u 1 + memory.grow 1 + i32.const 1
        Assert.Equal(5UL, g.Gas("grow", 3));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_bulk_operator_near_the_gas_limit_does_not_run_out_of_gas(MemoryPath path)
    {
        // Wasmtime would charge 61,440 for this copy and check fuel before it; under the schedule it costs 1.
        using var f = new Fixture(path, Module32);
        Assert.Equal(6UL, f.Session.Call(f.Id, "copy", new byte[61_440], gasLimit: 7).GasSpent);
        Assert.Equal(6UL, f.Session.Call(f.Id, "fill", new byte[61_440], gasLimit: 7).GasSpent);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Emit_costs_four_per_byte_and_a_host_query_its_price(MemoryPath path)
    {
        using var f = new Fixture(path, Module32);
        foreach (int length in new[] { 0, 10 })
        {
            // entry 1 + three operands 3 + call 1 + 4 × (topic 5 + data) + i32.const 1
            Assert.Equal(1 + 3 + 1 + 4 * (5 + (ulong)length) + 1, f.Gas("emit", length));
        }
        // entry 1 + three operands 3 + call 1 + price 1234
        Assert.Equal(1 + 3 + 1 + 1234UL, f.Gas("hq"));
        // Priced above what is left: the frame's gas becomes 0 and the call fails out of gas.
        var error = Assert.Throws<OutOfGasException>(() => f.Session.Call(f.Id, "hq", [], gasLimit: 1000));
        Assert.Equal(1000UL, error.GasSpent);
    }
}

/// <summary>The call tree, the 93% rule and the <c>limit</c>/<c>spent</c> imports under the schedule, hand-counted.</summary>
public sealed class GasCallTreeTests
{
    // "call": c(callee = A[0..32], name = A[32..arg_len], no argument, default gas); returns the callee's result.
    // "probe": writes limit() and spent() into A and returns 16.
    private const string Module = """
        (module
          (import "env" "c" (func $c (param i32 i32 i32 i32 i64) (result i32)))
          (import "env" "limit" (func $limit (result i64)))
          (import "env" "spent" (func $spent (result i64)))
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 0))
          (func (export "call") (param i32) (result i32)
            i32.const 0 i32.const 32 local.get 0 i32.const 32 i32.sub i32.const 0 i64.const 0 call $c)
          (func (export "probe") (param i32) (result i32)
            i32.const 0 call $limit i64.store
            i32.const 8 call $spent i64.store
            i32.const 16))
        """;

    [Theory]
    [MemberData(nameof(GasScheduleTests.Paths), MemberType = typeof(GasScheduleTests))]
    public void Frames_limits_and_spent_follow_the_schedule(MemoryPath path)
    {
        using var vm = VM.Ephemeral(new VMOptions { Memory = path });
        using var session = vm.Session();
        var caller = session.Deploy(Contracts.Wat(Module), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("caller"u8))), Contracts.Gas);
        var callee = session.Deploy(Contracts.Wat(Module), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("callee"u8))), Contracts.Gas);

        // probe at top level: limit() is seen after entry 1 + i32.const 1 + call 1 = 3 (fuel is flushed at calls);
        // spent() after those 3 + i64.store 32 + i32.const 1 + call 1 = 37; the whole call 1 + 34 + 34 + 1 = 70.
        var probe = session.Call(callee, "probe", [], 1_000_000);
        Assert.Equal(1_000_000UL, BitConverter.ToUInt64(probe.Data, 0));
        Assert.Equal(37UL, BitConverter.ToUInt64(probe.Data, 8));
        Assert.Equal(70UL, probe.GasSpent);

        // call: when c runs the caller has spent entry 1 + seven operators (i32.const 0, i32.const 32,
        // local.get, i32.const 32, i32.sub, i32.const 0, i64.const 0) + call 1 = 9, and nothing after it,
        // so the callee gets floor((1,000,000 - 9) × 93 / 100) = 929,991; the callee spends 70 as above.
        var receipt = session.Call(caller, "call", Contracts.Cat(callee.ToArray(), "probe"u8.ToArray()), 1_000_000);
        const ulong calleeLimit = (1_000_000 - 9) * 93 / 100;
        Assert.Equal(929_991UL, calleeLimit);
        Assert.Equal(calleeLimit, BitConverter.ToUInt64(receipt.Data, 0));
        Assert.Equal(37UL, BitConverter.ToUInt64(receipt.Data, 8));
        Assert.Equal(9 + 70UL, receipt.GasSpent);
        Assert.Equal(9UL, receipt.CallTree.GasSpent);
        var child = Assert.Single(receipt.CallTree.Children);
        Assert.Equal(calleeLimit, child.GasLimit);
        Assert.Equal(70UL, child.GasSpent);
        Assert.Equal(receipt.GasSpent, receipt.CallTree.TotalGasSpent);
    }
}
