using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class InterContractCallTests
{
    private static int Code(byte[] data) => BinaryPrimitives.ReadInt32LittleEndian(data);

    [Fact]
    public void A_contract_queries_and_transacts_on_another()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var center = f.Deploy("callcenter");
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(center, "query_counter", counter.ToArray()).Data));
        f.Call(center, "increment_counter", counter.ToArray());
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
        Assert.Equal(Convert.FromHexString("08000000fd00000000000000"),
            f.Call(center, "delegate_query", SessionFixture.Request(counter, "read_value")).Data);
    }

    [Fact]
    public void Error_codes_for_missing_contract_unknown_function_panic_and_out_of_gas()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        var spender = f.Deploy("spender");
        var missing = new ContractId(Hash.Of("nobody"u8));
        Assert.Equal(-3, Code(f.Call(center, "delegate_query", SessionFixture.Request(missing, "read_value")).Data));
        Assert.Equal(int.MinValue, Code(f.Call(center, "delegate_query", SessionFixture.Request(center, "no_such_function")).Data));

        var panicked = f.Call(center, "delegate_query", SessionFixture.Request(center, "panik")).Data;
        Assert.Equal(-1, Code(panicked));
        int length = BinaryPrimitives.ReadInt32LittleEndian(panicked.AsSpan(4));
        Assert.Equal("panik", Encoding.UTF8.GetString(panicked, 8, length));

        Assert.Equal(-2, Code(f.Call(center, "delegate_query", SessionFixture.Request(spender, "spend")).Data));
        Assert.Equal(int.MinValue, Code(f.Call(center, "delegate_query", SessionFixture.Request(spender, "init")).Data));
    }

    [Fact]
    public void A_trapping_callee_returns_the_unknown_code()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        var host = f.Deploy("host");
        Assert.Equal(int.MinValue, Code(f.Call(center, "delegate_query", SessionFixture.Request(host, "host_unknown")).Data));
    }

    [Fact]
    public void Caller_and_callstack_report_the_calling_frames()
    {
        using var f = new SessionFixture();
        var a = f.Deploy("callcenter");
        var b = f.Deploy("callcenter", id: new ContractId(Hash.Of("b"u8)));
        Assert.Equal(new byte[] { 0 }, f.Call(a, "return_caller").Data);
        Assert.Equal(Contracts.Le(0u), f.Call(a, "return_callstack").Data);

        var viaB = f.Call(a, "delegate_query", SessionFixture.Request(b, "return_caller")).Data;
        Assert.Equal(Contracts.Cat(Contracts.Le(33), [1], a.ToArray()), viaB);

        var stack = f.Call(a, "call_self_n_times", Contracts.Le(3u)).Data;
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(stack));
        for (int i = 0; i < 3; i++) Assert.Equal(a.ToArray(), stack.AsSpan(4 + 32 * i, 32).ToArray());
        Assert.Equal(new byte[] { 1 }, f.Call(a, "call_self").Data);
    }

    [Fact]
    public void The_call_depth_is_limited_to_48_frames()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        Assert.Equal(Convert.FromHexString("0000000001000000"), f.Call(center, "recurse", Contracts.Le(0u), 100_000_000).Data);
        Assert.Equal(Convert.FromHexString("0000000030000000"), f.Call(center, "recurse", Contracts.Le(47u), 100_000_000).Data);
        Assert.Equal(Convert.FromHexString("0000008030000000"), f.Call(center, "recurse", Contracts.Le(48u), 100_000_000).Data);
    }

    [Fact]
    public void Fibonacci_recurses_through_self_calls()
    {
        using var f = new SessionFixture();
        var fib = f.Deploy("fibonacci");
        Assert.Equal(Convert.FromHexString("5900000000000000"), f.Call(fib, "nth", Contracts.Le(10u), 100_000_000).Data);
        Assert.Equal(Convert.FromHexString("c22a000000000000"), f.Call(fib, "nth_local", Contracts.Le(20u)).Data);
    }

    [Fact]
    public void The_callee_gets_93_percent_by_default_or_the_given_limit_and_failures_charge_it_all()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        var spender = f.Deploy("spender");

        // Default limit: floor(remaining * 93 / 100), reported by the callee's limit().
        var ok = f.Call(center, "call_with_limit", Contracts.Cat(spender.ToArray(), Contracts.Le(0UL), Contracts.Le(15u), Encoding.UTF8.GetBytes("limit_and_spent"))).Data;
        Assert.Equal(16, Code(ok)); // the callee's 16-byte result
        ulong limit = BinaryPrimitives.ReadUInt64LittleEndian(ok.AsSpan(4));
        ulong before = BinaryPrimitives.ReadUInt64LittleEndian(ok.AsSpan(12));
        ulong calleeLimit = BinaryPrimitives.ReadUInt64LittleEndian(ok.AsSpan(28));
        Assert.Equal(Contracts.Gas, limit);
        // Between spent() and c the caller runs a few instructions: the callee's limit is 93% of what remained at c.
        ulong remainingAtCall = calleeLimit * 100 / 93;
        Assert.InRange(limit - before - remainingAtCall, 0UL, 200UL);

        // A given limit below the remaining gas is used as is.
        var given = f.Call(center, "call_with_limit", Contracts.Cat(spender.ToArray(), Contracts.Le(5000UL), Contracts.Le(15u), Encoding.UTF8.GetBytes("limit_and_spent"))).Data;
        Assert.Equal(5000UL, BinaryPrimitives.ReadUInt64LittleEndian(given.AsSpan(28)));

        // A failing callee is charged its whole limit.
        var failed = f.Call(spender, "spend_with_call", Contracts.Cat(spender.ToArray(), Contracts.Le(50_000UL))).Data;
        Assert.Equal(-2, Code(failed));
        ulong spentBefore = BinaryPrimitives.ReadUInt64LittleEndian(failed.AsSpan(12));
        ulong spentAfter = BinaryPrimitives.ReadUInt64LittleEndian(failed.AsSpan(20));
        Assert.InRange(spentAfter - spentBefore, 50_000UL, 50_100UL);
    }

    [Fact]
    public void Re_entrant_frames_share_one_instance_and_a_failed_sub_call_undoes_re_entrant_writes()
    {
        using var f = new SessionFixture();
        var x = f.Deploy("crossover");
        var y = f.Deploy("crossover", id: new ContractId(Hash.Of("y"u8)));
        var args = Contracts.Cat(y.ToArray(), Contracts.Le(1), Contracts.Le(2), Contracts.Le(3));

        Assert.Equal(Convert.FromHexString("ffffffff0100000000000000"), f.Call(x, "write_call_read", args).Data);
        var rootAfterFailure = f.Session.Root;
        Assert.Equal(Convert.FromHexString("000000000300000002000000"), f.Call(x, "write_call_ok", args).Data);
        Assert.NotEqual(rootAfterFailure, f.Session.Root);
        Assert.Equal(Contracts.Le(3), f.Call(x, "crossover").Data);
        Assert.Equal(Contracts.Le(2), f.Call(y, "crossover").Data);
    }

    [Fact]
    public void Piecrust_crossover_checks_hold()
    {
        using var f = new SessionFixture();
        var x = f.Deploy("crossover");
        var y = f.Deploy("crossover", id: new ContractId(Hash.Of("y"u8)));
        f.Call(x, "check_consistent_state_on_errors", Contracts.Cat(y.ToArray(), Contracts.Le(7), Contracts.Le(8), Contracts.Le(9)));
        f.Call(x, "check_iccs_dont_rollback", Contracts.Cat(y.ToArray(), Contracts.Le(5)));
    }

    [Fact]
    public void A_failed_nested_call_keeps_the_callers_earlier_writes_and_growth_undone()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        var growth = f.Deploy("growth");
        ulong length = f.Session.MemoryLength(growth);
        var code = Code(f.Call(center, "delegate_query", SessionFixture.Request(growth, "grow_and_panic", Contracts.Le(3u))).Data);
        Assert.Equal(-1, code);
        Assert.Equal(length, f.Session.MemoryLength(growth));
        Assert.Equal(Contracts.Le(length), f.Call(growth, "len").Data);
    }
}
