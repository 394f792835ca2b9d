using System.Text;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>The session's host-query settings: exclusion per session, and contained host-query panics (piecrust 0.30–0.32).</summary>
public sealed class SessionHostQueryTests
{
    // bump_then_query: adds 1 to the u32 at 16, runs host query "boom", returns the u32 (4 bytes).
    private const string BumpThenQuery = """
        (module
          (import "env" "hq" (func $hq (param i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 65536))
          (data (i32.const 0) "boom")
          (func (export "bump_then_query") (param i32) (result i32)
            (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
            (drop (call $hq (i32.const 0) (i32.const 4) (i32.const 0)))
            (i32.store (i32.const 65536) (i32.load (i32.const 16)))
            (i32.const 4)))
        """;

    [Fact]
    public void An_excluded_host_query_is_unknown_in_that_session_only()
    {
        using var vm = TestVM.Ephemeral();
        vm.RegisterHostQuery("hash", new Blake3Query());
        var data = new SessionData { ExcludedHostQueries = { "hash" } };
        using var excluding = vm.Session(data);
        var host = Contracts.Deploy(excluding, "host");
        var commit = excluding.Commit();
        data.ExcludedHostQueries.Clear(); // copied when the session started: no effect on it

        var root = excluding.Root;
        var error = Assert.Throws<ContractTrapException>(() => excluding.Call(host, "host_hash", [1, 2, 3], Contracts.Gas));
        Assert.Contains("unknown host query 'hash'", error.Message);
        Assert.Equal(root, excluding.Root);

        // Another session of the same VM has it; so does one made from the same (now emptied) data.
        using var other = vm.Session(new SessionData { Base = commit });
        Assert.Equal(Hash.Of([1, 2, 3]).ToArray(), other.Call(host, "host_hash", [1, 2, 3], Contracts.Gas).Data);
        using var again = vm.Session(data);
        var hostAgain = Contracts.Deploy(again, "host");
        Assert.Equal(Hash.Of([1, 2, 3]).ToArray(), again.Call(hostAgain, "host_hash", [1, 2, 3], Contracts.Gas).Data);

        // Excluding a name nobody registered changes nothing else.
        using var unrelated = vm.Session(new SessionData { Base = commit, ExcludedHostQueries = new HashSet<string> { "nothing" } });
        Assert.Equal(Hash.Of([4]).ToArray(), unrelated.Call(host, "host_hash", [4], Contracts.Gas).Data);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_host_query_that_throws_fails_the_call_as_a_panic_and_changes_nothing(bool inPrice)
    {
        using var f = new SessionFixture();
        var query = new ThrowingQuery(inPrice);
        f.Vm.RegisterHostQuery("boom", query);
        var id = f.Session.Deploy(Contracts.Wat(BumpThenQuery), new ContractData(Contracts.Owner), Contracts.Gas);
        var root = f.Session.Root;

        var error = Assert.Throws<ContractPanicException>(() => f.Call(id, "bump_then_query"));
        Assert.Equal("host query panicked", error.PanicMessage);
        Assert.Equal(id, error.Contract);
        Assert.InRange(error.GasSpent, 1UL, Contracts.Gas - 1); // a panic, not out of gas
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(new byte[4], f.Session.ReadPage(id, 0)[16..20]);
        Assert.Equal(1, query.Priced);
        Assert.Equal(inPrice ? 0 : 1, query.Executions);

        // The session goes on.
        f.Vm.RegisterHostQuery("fine", new PricedQuery(5));
        var host = f.Deploy("host");
        Assert.Empty(f.Call(host, "host_query", QueryRequest("fine")).Data);
    }

    [Fact]
    public void A_host_query_that_throws_in_a_callee_gives_its_caller_the_panic_code_with_the_fixed_message()
    {
        using var f = new SessionFixture();
        var query = new ThrowingQuery(inPrice: false);
        f.Vm.RegisterHostQuery("very_expensive", query);
        var host = f.Deploy("host");
        var center = f.Deploy("callcenter");
        var message = Encoding.UTF8.GetBytes("host query panicked");

        var outcome = f.Call(center, "delegate_query", SessionFixture.Request(host, "host_very_expensive")).Data;
        Assert.Equal(Contracts.Cat(Contracts.Le(-1), Contracts.Le((uint)message.Length), message), outcome);
        Assert.Equal(Contracts.Le(-1), f.Call(host, "delegate_host_very_expensive", host.ToArray()).Data);
        // Each call ran the query; undoing the failed sub-call may run it again (a re-run with marks, see SubCallUndo).
        Assert.True(query.Executions >= 2, $"{query.Executions} executions");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Without_containment_the_exception_reaches_the_caller_unchanged_and_the_call_is_reverted(bool inPrice)
    {
        using var f = new SessionFixture(data: new SessionData { ContainHostQueryPanics = false });
        var query = new ThrowingQuery(inPrice);
        f.Vm.RegisterHostQuery("boom", query);
        var id = f.Session.Deploy(Contracts.Wat(BumpThenQuery), new ContractData(Contracts.Owner), Contracts.Gas);
        var center = f.Deploy("callcenter");
        var root = f.Session.Root;

        var thrown = Assert.Throws<InvalidOperationException>(() => f.Call(id, "bump_then_query"));
        Assert.Same(query.Error, thrown);
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(new byte[4], f.Session.ReadPage(id, 0)[16..20]);

        // From a callee too: not a Panic code to its caller, the whole call ends with the exception.
        Assert.Same(query.Error, Assert.Throws<InvalidOperationException>(() => f.Call(center, "delegate_query", SessionFixture.Request(id, "bump_then_query"))));
        Assert.Equal(root, f.Session.Root);

        // The session is fine afterwards.
        var counter = f.Deploy("counter");
        f.Call(counter, "increment");
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
    }

    private static byte[] QueryRequest(string name, byte[]? arg = null)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        return Contracts.Cat(Contracts.Le((uint)bytes.Length), bytes, arg ?? []);
    }
}
