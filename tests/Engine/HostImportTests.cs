using System.Text;
using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class HostImportTests
{
    [Fact]
    public void Events_come_in_emission_order_and_cost_four_gas_per_byte()
    {
        using var f = new SessionFixture();
        var eventer = f.Deploy("eventer");
        var receipt = f.Call(eventer, "emit_events", Contracts.Le(5u));
        Assert.Equal(5, receipt.Events.Count);
        for (uint i = 0; i < 5; i++)
            Assert.Equal(new ContractEvent(eventer, "number", Contracts.Le(i), Reverted: false), receipt.Events[(int)i]);

        var small = f.Call(eventer, "emit_input", new byte[10]).Data;
        var large = f.Call(eventer, "emit_input", new byte[1010]).Data;
        ulong Cost(byte[] d) => BitConverter.ToUInt64(d, 8) - BitConverter.ToUInt64(d, 0);
        Assert.Equal(4UL * 1000, Cost(large) - Cost(small));
        Assert.InRange(Cost(small), 4UL * (ulong)("input".Length + 10), 4UL * (ulong)("input".Length + 10) + 10);
    }

    [Fact]
    public void Events_of_a_failed_sub_call_stay_in_the_receipt_flagged_reverted()
    {
        using var f = new SessionFixture();
        var eventer = f.Deploy("eventer");
        var reverter = f.Deploy("event_reverter");
        var receipt = f.Call(reverter, "call_failing", eventer.ToArray());
        Assert.Equal(Contracts.Le(-1), receipt.Data);
        Assert.Equal(
            [
                new ContractEvent(reverter, "before", [], false),
                new ContractEvent(eventer, "number", Contracts.Le(42u), true),
                new ContractEvent(reverter, "after", Contracts.Le(-1), false),
            ],
            receipt.Events);
        Assert.Equal(Contracts.Le(0u), f.Call(eventer, "read_value").Data);

        var failed = Assert.Throws<ContractPanicException>(() => f.Call(reverter, "emit_then_panic", eventer.ToArray()));
        Assert.Equal("event reverter panic", failed.PanicMessage);
        Assert.All(failed.Events, e => Assert.True(e.Reverted));
        Assert.Single(failed.Events);
    }

    [Fact]
    public void A_feeder_call_streams_every_item_and_feed_without_a_feeder_traps()
    {
        using var f = new SessionFixture();
        var feeder = f.Deploy("feeder");
        var items = new List<byte[]>();
        f.Session.FeederCall(feeder, "feed_num", Contracts.Le(100u), Contracts.Gas, item => items.Add(item.ToArray()));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => Contracts.Le((uint)i)), items);

        var error = Assert.Throws<ContractTrapException>(() => f.Call(feeder, "feed_num", Contracts.Le(1u)));
        Assert.Contains("feeder", error.Message);
    }

    [Fact]
    public void Host_queries_are_charged_their_price_and_unknown_ones_trap()
    {
        using var f = new SessionFixture();
        f.Vm.RegisterHostQuery("hash", new Blake3Query());
        var host = f.Deploy("host");
        var input = "hello"u8.ToArray();
        var receipt = f.Call(host, "host_hash", input);
        Assert.Equal(Hash.Of(input).ToArray(), receipt.Data);
        Assert.Equal(100UL, f.Call(host, "host_hash", new byte[105]).GasSpent - f.Call(host, "host_hash", new byte[5]).GasSpent);

        var unknown = Assert.Throws<ContractTrapException>(() => f.Call(host, "host_unknown"));
        Assert.Contains("unknown host query 'unknown_query'", unknown.Message);
    }

    [Fact]
    public void A_host_query_priced_above_the_remaining_gas_runs_out_of_gas_without_executing()
    {
        using var f = new SessionFixture();
        var query = new PricedQuery(price: 1_000_000_000);
        f.Vm.RegisterHostQuery("very_expensive", query);
        var host = f.Deploy("host");
        var error = Assert.Throws<OutOfGasException>(() => f.Call(host, "host_very_expensive"));
        Assert.Equal(Contracts.Gas, error.GasSpent);
        Assert.Equal(0, query.Executions);
        Assert.Equal(Contracts.Le(-2), f.Call(host, "delegate_host_very_expensive", host.ToArray()).Data);
    }

    [Fact]
    public void Metadata_self_id_and_debug_lines()
    {
        var data = new SessionData { Metadata = { ["height"] = Contracts.Le(42UL) } };
        using var f = new SessionFixture(data: data);
        var meta = f.Deploy("metadata");
        Assert.Equal(meta.ToArray(), f.Call(meta, "read_id").Data);
        Assert.Equal(Contracts.Le(42UL), f.Call(meta, "read_hd", "height"u8.ToArray()).Data);
        Assert.Empty(f.Call(meta, "read_hd", "missing"u8.ToArray()).Data);
        f.Session.SetMeta("missing", [7]);
        Assert.Equal(new byte[] { 7 }, f.Call(meta, "read_hd", "missing"u8.ToArray()).Data);
        Assert.True(f.Session.RemoveMeta("missing"));
        Assert.Empty(f.Call(meta, "read_hd", "missing"u8.ToArray()).Data);

        var debugger = f.Deploy("debugger");
        f.Call(debugger, "debug_num", Contracts.Le(1234u));
        f.Call(debugger, "debug", "abc"u8.ToArray());
        Assert.Equal(["What a string! 1234", "What a string! abc"], f.Session.DebugLog);
    }

    [Fact]
    public void Limit_and_spent_report_the_frame_gas()
    {
        using var f = new SessionFixture();
        var spender = f.Deploy("spender");
        var data = f.Call(spender, "get_limit_and_spent", gas: 1_000_000).Data;
        ulong limit = BitConverter.ToUInt64(data, 0), before = BitConverter.ToUInt64(data, 8), after = BitConverter.ToUInt64(data, 16);
        ulong calledLimit = BitConverter.ToUInt64(data, 24), calledSpent = BitConverter.ToUInt64(data, 32);
        Assert.Equal(1_000_000UL, limit);
        // Before limit() and spent(): the function's entry, its shadow-stack frame and self_id's 32-byte id
        // copied to the stack (stores cost 16 or 32 each); the exact schedule is tested in GasScheduleTests.
        Assert.True(before > 0 && before < 1000, $"spent before = {before}");
        Assert.InRange(calledLimit, (limit - before - 1000) * 93 / 100, (limit - before) * 93 / 100);
        Assert.True(calledSpent > 0 && calledSpent < after - before);
    }

    [Fact]
    public void Running_out_of_gas_spends_the_whole_limit()
    {
        using var f = new SessionFixture();
        var spender = f.Deploy("spender");
        var root = f.Session.Root;
        var error = Assert.Throws<OutOfGasException>(() => f.Call(spender, "spend", gas: 123_456));
        Assert.Equal(123_456UL, error.GasSpent);
        Assert.Equal(spender, error.Contract);
        Assert.Equal(root, f.Session.Root);
        var panic = Assert.Throws<ContractPanicException>(() => f.Call(spender, "spend_panic"));
        Assert.Equal("I like spending", panic.Message);
    }

    [Fact]
    public void Gas_is_exact_and_deterministic()
    {
        var costs = new List<ulong>();
        for (int run = 0; run < 2; run++)
        {
            using var f = new SessionFixture();
            var noop = f.Deploy("noop.wat");
            var receipt = f.Call(noop, "noop");
            // Wasmtime's fuel table: i32.const costs 1, and leaving the function 1 more.
            Assert.Equal(2UL, receipt.GasSpent);
            var center = f.Deploy("callcenter");
            var counter = f.Deploy("counter");
            costs.Add(f.Call(center, "increment_counter", counter.ToArray()).GasSpent);
            costs.Add(f.Call(center, "query_counter", counter.ToArray()).GasSpent);
        }
        Assert.Equal(costs[0], costs[2]);
        Assert.Equal(costs[1], costs[3]);
    }

    [Fact]
    public void The_call_tree_records_frames_and_exclusive_gas()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        var counter = f.Deploy("counter");
        var receipt = f.Call(center, "increment_counter", counter.ToArray());
        var tree = receipt.CallTree;
        Assert.Equal(center, tree.Contract);
        Assert.Equal("increment_counter", tree.Function);
        var child = Assert.Single(tree.Children);
        Assert.Equal(counter, child.Contract);
        Assert.Equal("increment", child.Function);
        Assert.False(child.Failed);
        Assert.Equal(receipt.GasSpent, tree.TotalGasSpent);

        var spender = f.Deploy("spender");
        var failed = f.Call(center, "delegate_query", SessionFixture.Request(spender, "spend"));
        var failedChild = Assert.Single(failed.CallTree.Children);
        Assert.True(failedChild.Failed);
        Assert.Equal(failedChild.GasLimit, failedChild.GasSpent);
        Assert.Equal(failed.GasSpent, failed.CallTree.TotalGasSpent);
    }

    [Fact]
    public void Arguments_over_64_KiB_are_refused()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var error = Assert.Throws<InvalidArgumentException>(() => f.Call(counter, "read_value", new byte[65537]));
        Assert.Contains("65536", error.Message);
        Assert.Throws<FunctionNotFoundException>(() => f.Call(counter, "nope"));
        Assert.Throws<ContractNotFoundException>(() => f.Call(new ContractId(Hash.Of("x"u8)), "read_value"));
    }
}
