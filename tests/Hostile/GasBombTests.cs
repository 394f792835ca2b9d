using Piecrust.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Contracts that try to make the host do unbounded work: infinite loops, runaway recursion,
/// memory growth to the limit, event and debug spam, failing sub-calls by the thousand, huge or
/// lying host-query results. Gas (or an engine limit) stops each with a typed error or a bounded
/// result; the session's root is unchanged by every failure.
/// </summary>
public sealed class GasBombTests(ITestOutputHelper output)
{
    private const string Memory32 = """(memory (export "memory") 2) (global (export "A") i32 (i32.const 65536))""";

    private static ContractId DeployWat(SessionFixture f, string body) =>
        f.Session.Deploy(Contracts.Wat($"(module {body})"), new ContractData(Contracts.Owner), Contracts.Gas);

    private static void FailsUnchanged<T>(SessionFixture f, Action call, string input, Action<T>? check = null) where T : CallFailedException
    {
        var root = f.Session.Root;
        var error = Corpus.Fails<T>(call, input);
        Assert.Equal(root, f.Session.Root);
        check?.Invoke(error);
        Corpus.Count("gas bomb");
    }

    [Fact]
    public void Infinite_loops_run_out_of_gas_and_spend_the_whole_limit()
    {
        using var f = new SessionFixture();
        var spender = f.Deploy("spender");
        var loop = DeployWat(f, $"""{Memory32} (func (export "f") (param i32) (result i32) (loop br 0) i32.const 0)""");
        var nested = DeployWat(f, $"""{Memory32} (func $g (loop br 0)) (func (export "f") (param i32) (result i32) (loop (call $g) br 0) i32.const 0)""");
        foreach (ulong gas in new ulong[] { 0, 1, 1000, 5_000_000 })
            foreach (var (id, function) in new[] { (spender, "spend"), (loop, "f"), (nested, "f") })
                FailsUnchanged<OutOfGasException>(f, () => f.Session.Call(id, function, [], gas), $"{function} with {gas} gas",
                    e => Assert.Equal(gas, e.GasSpent));
    }

    [Fact]
    public void Runaway_recursion_exhausts_the_call_stack_or_the_gas()
    {
        using var f = new SessionFixture();
        var plain = DeployWat(f, $"""{Memory32} (func $r (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1)))) (func (export "f") (param i32) (result i32) (call $r (i32.const 0)))""");
        var wide = DeployWat(f, $"""{Memory32} (func $r (param i64) (result i64) (local {string.Join(" ", Enumerable.Repeat("i64", 1000))}) (call $r (local.get 0))) (func (export "f") (param i32) (result i32) (drop (call $r (i64.const 0))) i32.const 0)""");
        var indirect = DeployWat(f, $"""{Memory32} (type $t (func (param i32) (result i32))) (table 1 funcref) (elem (i32.const 0) $r) (func $r (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))) (func (export "f") (param i32) (result i32) (call $r (i32.const 0)))""");
        foreach (var id in new[] { plain, wide, indirect })
        {
            var root = f.Session.Root;
            var error = Corpus.Outcome(() => f.Session.Call(id, "f", [], 1_000_000_000), "runaway recursion");
            var failed = Assert.IsAssignableFrom<CallFailedException>(error);
            Assert.True(failed is ContractTrapException { Message: var m } && m.Contains("call stack exhausted") || failed is OutOfGasException, failed.Message);
            Assert.Equal(root, f.Session.Root);
            output.WriteLine($"recursion: {failed.GetType().Name}: {failed.Message}");
            Corpus.Count("gas bomb");
        }
        // Through inter-contract calls the depth limit answers first.
        var center = f.Deploy("callcenter");
        Assert.Equal(Contracts.Cat(Contracts.Le(int.MinValue), Contracts.Le(48u)), f.Call(center, "recurse", Contracts.Le(100_000u), 10_000_000).Data);
        Corpus.Count("gas bomb");
    }

    [Fact]
    public void Memory_growth_stops_at_the_limit_and_growth_past_it_fails_cleanly()
    {
        // A small limit keeps this quick: the plain memory path reads (and the host allocates) every page.
        using var f = new SessionFixture(new VMOptions { MaxMemory = 16UL << 20 });
        var growth = f.Deploy("growth");
        var growth64 = f.Deploy("growth64");
        var raw64 = DeployWat(f, """(memory (export "memory") i64 2) (global (export "A") i64 (i64.const 0)) (func (export "grow") (param i32) (result i32) (i64.store (i64.const 0) (memory.grow (i64.load (i64.const 0)))) i32.const 8)""");
        foreach (var id in new[] { growth, growth64 })
        {
            Assert.Equal(Contracts.Le(2UL), f.Call(id, "grow_by", Contracts.Le(254u)).Data); // to the 16 MiB limit
            Assert.Equal(Contracts.Le(16UL << 20), f.Call(id, "len").Data);
            foreach (uint pages in new[] { 1u, 1000u, 65536u, uint.MaxValue })
                FailsUnchanged<ContractPanicException>(f, () => f.Session.Call(id, "grow_by", Contracts.Le(pages), Contracts.Gas), $"grow by {pages} pages at the limit",
                    e => Assert.Equal("grow failed", e.PanicMessage));
        }
        foreach (ulong pages in new[] { 1UL << 26, (1UL << 26) + 1, 1UL << 40, ulong.MaxValue })
        {
            Assert.Equal(Contracts.Le(ulong.MaxValue), f.Call(raw64, "grow", Contracts.Le(pages)).Data); // memory.grow answers -1
            Corpus.Count("gas bomb");
        }
        Assert.Equal(16UL << 20, f.Session.MemoryLength(growth));

    }

    [Fact]
    public void A_32_bit_memory_grows_to_4_GiB_and_not_one_page_further()
    {
        // The ABI's limit, which is also the default VMOptions.MaxMemory. The mapped path faults in
        // only the pages growth writes: one marker per 64 KiB page, 65,534 scattered dirty pages, which
        // the failed call below has to revert and checkpoint. Mapped one by one, they once went past
        // vm.max_map_count and took the process down ("Failed to create RW mapping for RX memory").
        using var f = new SessionFixture();
        var growth = f.Deploy("growth");
        Assert.Equal(Contracts.Le(2UL), f.Call(growth, "grow_by", Contracts.Le(65534u)).Data);
        Assert.Equal(1UL << 32, f.Session.MemoryLength(growth));
        FailsUnchanged<ContractPanicException>(f, () => f.Session.Call(growth, "grow_by", Contracts.Le(1u), Contracts.Gas), "grow past 4 GiB",
            e => Assert.Equal("grow failed", e.PanicMessage));
        Assert.Equal(Contracts.Le(0xC0DE000000000000UL | 65535), f.Call(growth, "read_marker", Contracts.Le(65535u)).Data);
    }

    [Fact]
    public void Sixty_four_bit_memories_stop_at_4_TiB_and_huge_ones_cost_nothing_until_written()
    {
        using var f = new SessionFixture();
        var big = f.Deploy("big64");
        Assert.Equal(Contracts.Le(1UL << 26), f.Call(big, "grow_to", Contracts.Le(1UL << 26)).Data);
        FailsUnchanged<ContractPanicException>(f, () => f.Session.Call(big, "grow_to", Contracts.Le((1UL << 26) + 1), Contracts.Gas), "64-bit growth past 4 TiB",
            e => Assert.Equal("grow failed", e.PanicMessage));
        // A huge initial memory is only a length (Wasmtime maps the 4 TiB without reserving RAM, and
        // only written pages are ever read or stored): it deploys, and commits as a length.
        var huge = new List<ContractId>();
        foreach (var pages in new[] { "0x10001", "0x40000", "0x4000000" })
        {
            var bytes = Contracts.Wat($"""(module (memory (export "memory") i64 {pages}) (global (export "A") i64 (i64.const 0)) (data (i64.const 70000) "hi") (func (export "f") (param i32) (result i32) i32.const 0))""");
            var id = f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas);
            Assert.Equal(Convert.ToUInt64(pages, 16) << 16, f.Session.MemoryLength(id));
            huge.Add(id);
            Corpus.Count("gas bomb");
        }
        var root = f.Session.Commit();
        // Loading them again (a fresh instance clears what its data segments wrote) touches no page either.
        using (var next = f.Vm.Session(new SessionData { Base = root }))
        {
            foreach (var id in huge)
            {
                Assert.Empty(next.Call(id, "f", [], Contracts.Gas).Data);
                Assert.Equal("hi"u8.ToArray(), next.ReadPage(id, 70000 / 4096)[(70000 % 4096)..(70000 % 4096 + 2)]);
            }
        }
        var tooBig = Contracts.Wat("""(module (memory (export "memory") i64 0x4000001) (global (export "A") i64 (i64.const 0)) (func (export "f") (param i32) (result i32) i32.const 0))""");
        var error = Corpus.Fails<InvalidModuleException>(() => f.Session.Deploy(tooBig, new ContractData(Contracts.Owner), Contracts.Gas), "initial memory over 4 TiB");
        Assert.Contains("4 TiB", error.Message);
    }

    [Fact]
    public void Event_spam_runs_out_of_gas_and_every_event_is_reported_reverted()
    {
        using var f = new SessionFixture();
        var eventer = f.Deploy("eventer");
        FailsUnchanged<OutOfGasException>(f, () => f.Session.Call(eventer, "emit_events", Contracts.Le(uint.MaxValue), 5_000_000), "emit_events(u32 max)",
            e =>
            {
                Assert.NotEmpty(e.Events);
                Assert.All(e.Events, ev => Assert.True(ev.Reverted));
                output.WriteLine($"small events: {e.Events.Count} before running out of 5,000,000 gas");
            });
        // 64 KiB events: 4 gas per byte bounds them hard.
        var wide = DeployWat(f, """(import "env" "emit" (func $e (param i32 i32 i32))) (memory (export "memory") 2) (global (export "A") i32 (i32.const 0)) (data (i32.const 0) "topic") (func (export "f") (param i32) (result i32) (loop (call $e (i32.const 0) (i32.const 5) (i32.const 65536)) br 0) i32.const 0)""");
        FailsUnchanged<OutOfGasException>(f, () => f.Session.Call(wide, "f", [], 5_000_000), "64 KiB events in a loop",
            e =>
            {
                Assert.InRange(e.Events.Count, 1, 5_000_000 / (4 * 65536));
                output.WriteLine($"64 KiB events: {e.Events.Count} before running out of 5,000,000 gas");
            });
    }

    [Fact]
    public void Debug_spam_is_capped_per_call()
    {
        // hdebug is free: a loop of 64 KiB lines would otherwise fill the host's memory.
        using var f = new SessionFixture();
        var spam = DeployWat(f, """(import "env" "hdebug" (func $d (param i32))) (memory (export "memory") 2) (global (export "A") i32 (i32.const 0)) (func (export "f") (param i32) (result i32) (local i32) (loop (call $d (i32.const 65536)) (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if 0 (i32.lt_u (local.get 1) (i32.const 100000)))) i32.const 0) (func (export "g") (param i32) (result i32) (loop (call $d (i32.const 0)) br 0) i32.const 0)""");
        var receipt = f.Call(spam, "f", [], 50_000_000);
        Assert.InRange(f.Session.DebugLog.Count, 2, 40);
        Assert.StartsWith("[piecrust: debug output", f.Session.DebugLog[^1]);
        output.WriteLine($"100,000 × 64 KiB debug lines for {receipt.GasSpent} gas: {f.Session.DebugLog.Count} lines kept");
        // Empty lines count too; the loop ends out of gas and its lines are kept (capped).
        FailsUnchanged<OutOfGasException>(f, () => f.Session.Call(spam, "g", [], 20_000_000), "empty debug lines until out of gas");
        Assert.InRange(f.Session.DebugLog.Count, 2, 20_000);
        Corpus.Count("gas bomb");
    }

    [Fact]
    public void Thousands_of_failing_sub_calls_are_each_undone_and_use_bounded_memory()
    {
        using var f = new SessionFixture();
        var panicker = DeployWat(f, """(import "env" "panic" (func $p (param i32))) (memory (export "memory") 2) (global (export "A") i32 (i32.const 0)) (func (export "p") (param i32) (result i32) (i32.store (i32.const 100) (i32.const 7)) (call $p (i32.const 0)) i32.const 0)""");
        string id = string.Concat(panicker.ToArray().Select(b => "\\" + b.ToString("x2")));
        var caller = DeployWat(f, $$"""(import "env" "c" (func $c (param i32 i32 i32 i32 i64) (result i32))) (memory (export "memory") 2) (global (export "A") i32 (i32.const 65536)) (data (i32.const 0) "{{id}}p") (func (export "f") (param i32) (result i32) (local i32 i32) (loop (local.set 2 (i32.add (local.get 2) (call $c (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 0) (i64.const 100)))) (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if 0 (i32.lt_u (local.get 1) (local.get 0)))) (i32.store (i32.const 65536) (local.get 2)) i32.const 4)""");
        const int Failures = 300;
        var receipt = f.Call(caller, "f", new byte[Failures], 100_000_000);
        Assert.Equal(Contracts.Le(-Failures), receipt.Data); // every sub-call answered -1
        Assert.Equal(Failures, receipt.CallTree.Children.Count(c => c.Failed));
        Assert.Equal(new byte[4], f.Session.ReadPage(panicker, 0)[100..104]); // none of the panicker's writes stayed
        Corpus.Count("gas bomb");
        output.WriteLine($"{Failures} failing sub-calls in one call: {receipt.GasSpent} gas, each undone by a re-run");
    }

    private sealed class LyingQuery(int length, ulong price = 1) : IHostQuery
    {
        public ulong Price(ReadOnlySpan<byte> arg) => price;
        public int Execute(ReadOnlySpan<byte> arg, Span<byte> result) => length;
    }

    private sealed class FullQuery : IHostQuery
    {
        public ulong Price(ReadOnlySpan<byte> arg) => 1;
        public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
        {
            result.Fill(0x5A);
            return result.Length;
        }
    }

    [Fact]
    public void Host_query_results_longer_than_the_buffer_or_negative_trap_and_huge_prices_run_out_of_gas()
    {
        using var f = new SessionFixture();
        foreach (int length in new[] { Session.MaxArgumentSize + 1, int.MaxValue, -1, int.MinValue })
            f.Vm.RegisterHostQuery($"len{length}", new LyingQuery(length));
        f.Vm.RegisterHostQuery("full", new FullQuery());
        f.Vm.RegisterHostQuery("priceless", new LyingQuery(0, ulong.MaxValue));
        var host = f.Deploy("host");
        byte[] Query(string name) => Contracts.Cat(Contracts.Le((uint)name.Length), System.Text.Encoding.UTF8.GetBytes(name));
        foreach (int length in new[] { Session.MaxArgumentSize + 1, int.MaxValue, -1, int.MinValue })
            FailsUnchanged<ContractTrapException>(f, () => f.Session.Call(host, "host_query", Query($"len{length}"), Contracts.Gas), $"host query returning {length}",
                e => Assert.Contains(length.ToString(), e.Message));
        FailsUnchanged<OutOfGasException>(f, () => f.Session.Call(host, "host_query", Query("priceless"), Contracts.Gas), "host query priced at u64 max");
        var full = f.Call(host, "host_query", Query("full")).Data; // exactly 64 KiB is fine
        Assert.Equal(Session.MaxArgumentSize, full.Length);
        Assert.All(full, b => Assert.Equal(0x5A, b));
    }
}
