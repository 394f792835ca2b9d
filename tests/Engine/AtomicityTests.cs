using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class AtomicityTests
{
    [Fact]
    public void A_failed_top_level_call_leaves_the_root_and_every_memory_unchanged()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var growth = f.Deploy("growth");
        var center = f.Deploy("callcenter");
        f.Call(counter, "increment");
        var root = f.Session.Root;

        // counter increments then panics
        Assert.Throws<ContractPanicException>(() => f.Call(counter, "increment_fallible", [1]));
        Assert.Equal(root, f.Session.Root);
        // callcenter makes a successful sub-call that writes, then panics itself
        Assert.Throws<ContractPanicException>(() => f.Call(center, "panic_after_call", SessionFixture.Request(counter, "increment")));
        Assert.Equal(root, f.Session.Root);
        // growth grows then panics
        Assert.Throws<ContractPanicException>(() => f.Call(growth, "grow_and_panic", Contracts.Le(2u)));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));

        // And the same after a commit, so the state is read back from the store.
        var commit = f.Session.Commit();
        Assert.Throws<ContractPanicException>(() => f.Call(counter, "increment_fallible", [1]));
        Assert.Equal(commit, f.Session.Root);
        Assert.Equal(commit, f.Session.Commit());
    }

    [Fact]
    public void A_failed_nested_call_leaves_the_root_as_if_it_had_not_run()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var center = f.Deploy("callcenter");
        var twin = f.Vm.Session();
        var twinCounter = twin.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner), Contracts.Gas);
        var twinCenter = twin.Deploy(Contracts.Bytes("callcenter"), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(counter, twinCounter);
        Assert.Equal(center, twinCenter);

        // The counter increments and then panics inside a sub-call; the caller carries on.
        var failed = f.Call(center, "delegate_query", SessionFixture.Request(counter, "increment_fallible", [1]));
        Assert.Equal(-1, BitConverter.ToInt32(failed.Data));
        // In the twin, the same call to a function that does nothing but panic: same state effect.
        var reference = twin.Call(twinCenter, "delegate_query", SessionFixture.Request(twinCounter, "increment_fallible", [1]), Contracts.Gas);
        Assert.Equal(failed.Data.Length > 0, reference.Data.Length > 0);
        Assert.Equal(twin.Root, f.Session.Root);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
        twin.Dispose();
    }

    [Fact]
    public void Out_of_gas_inside_a_sub_call_is_undone_and_reported_as_minus_two()
    {
        using var f = new SessionFixture();
        var spender = f.Deploy("spender");
        var center = f.Deploy("callcenter");
        var result = f.Call(center, "call_spend_with_limit", Contracts.Cat(spender.ToArray(), Contracts.Le(10_000UL)));
        Assert.Equal(Contracts.Le(-2), result.Data);
    }

    [Fact]
    public void Many_failures_in_one_call_are_each_undone_and_recorded()
    {
        using var f = new SessionFixture();
        var x = f.Deploy("crossover");
        var y = f.Deploy("crossover", id: new ContractId(Hash.Of("y"u8)));
        var args = Contracts.Cat(y.ToArray(), Contracts.Le(1), Contracts.Le(2), Contracts.Le(3));
        for (int i = 0; i < 50; i++)
            Assert.Equal(Convert.FromHexString("ffffffff0100000000000000"), f.Call(x, "write_call_read", args).Data);
        Assert.Equal(Contracts.Le(1), f.Call(x, "crossover").Data);
    }
}
