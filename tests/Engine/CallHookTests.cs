using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Call hooks (<see cref="Session.SetCallHook"/>) and root call contexts (<see cref="RootCallContext"/>),
/// piecrust 0.31–0.32's call-hook feature in C# shape: what the hook sees, what a rejection does,
/// and that re-executions after failed sub-calls never ask it twice about one attempt.
/// </summary>
public sealed class CallHookTests
{
    private static int Code(byte[] data) => BinaryPrimitives.ReadInt32LittleEndian(data);

    private static string Show(CallAttempt a) =>
        $"{a.Callee}.{a.Function}({Convert.ToHexString(a.Argument.Span)}) by [{string.Join(", ", a.Callers)}]{(a.IsTopLevel ? " top" : "")}";

    private sealed class Deployed(SessionFixture f)
    {
        public readonly ContractId A = f.Deploy("callcenter");
        public readonly ContractId B = f.Deploy("callcenter", id: new ContractId(Hash.Of("b"u8)));
        public readonly ContractId Counter = f.Deploy("counter");
    }

    [Fact]
    public void The_hook_sees_every_top_level_and_inter_contract_call_with_its_callers_immediate_first()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        var seen = new List<string>();
        Assert.Null(f.Session.SetCallHook(a => { seen.Add(Show(a)); return null; }));

        var inner = SessionFixture.Request(d.Counter, "read_value");
        var outer = SessionFixture.Request(d.B, "delegate_query", inner);
        var result = f.Call(d.A, "delegate_query", outer).Data;
        Assert.Equal(Contracts.Cat(Contracts.Le(12), Contracts.Le(8), Contracts.Le(0xfcUL)), result); // b answered with the counter's value: the calls ran

        // b's callcenter moves the function argument to the start of its buffer before calling: what the callee receives.
        Assert.Equal(
        [
            Show(new CallAttempt(d.A, "delegate_query", outer, []) { IsTopLevel = true }),
            Show(new CallAttempt(d.B, "delegate_query", inner, [d.A])),
            Show(new CallAttempt(d.Counter, "read_value", Array.Empty<byte>(), [d.B, d.A])),
        ], seen);
    }

    [Fact]
    public void A_rejected_inter_contract_call_is_a_panic_with_the_message_and_changes_nothing()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        ulong before = BitConverter.ToUInt64(f.Call(d.Counter, "read_value").Data);
        f.Session.SetCallHook(a => a.Function == "increment" ? "increments are closed" : null);

        var receipt = f.Call(d.A, "delegate_query", SessionFixture.Request(d.Counter, "increment"));
        Assert.Equal(-1, Code(receipt.Data));
        int length = BinaryPrimitives.ReadInt32LittleEndian(receipt.Data.AsSpan(4));
        Assert.Equal("increments are closed", Encoding.UTF8.GetString(receipt.Data, 8, length));
        Assert.Empty(receipt.CallTree.Children); // never made: no frame, no gas charged for it
        Assert.Equal(before, BitConverter.ToUInt64(f.Call(d.Counter, "read_value").Data));
    }

    [Fact]
    public void A_rejected_top_level_call_throws_a_panic_and_changes_nothing_and_hooks_are_replaced_and_cleared()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        Func<CallAttempt, string?> closed = a => a.IsTopLevel ? "top-level calls are closed" : null;
        Assert.Null(f.Session.SetCallHook(closed));
        var root = f.Session.Root;
        var error = Assert.Throws<ContractPanicException>(() => f.Call(d.Counter, "increment"));
        Assert.Equal("top-level calls are closed", error.PanicMessage);
        Assert.Equal(root, f.Session.Root);

        Func<CallAttempt, string?> open = _ => null;
        Assert.Same(closed, f.Session.SetCallHook(open));
        f.Call(d.Counter, "increment");
        Assert.NotEqual(root, f.Session.Root);
        Assert.Same(open, f.Session.ClearCallHook());
        Assert.Null(f.Session.ClearCallHook());
    }

    [Fact]
    public void A_failed_sub_call_does_not_make_the_hook_see_an_attempt_twice()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        var seen = new List<string>();
        f.Session.SetCallHook(a => { seen.Add(Show(a)); return null; });

        // b increments the counter, then panics: the engine undoes b's sub-call (by a re-run or in place).
        var receipt = f.Call(d.A, "delegate_query", SessionFixture.Request(d.B, "panic_after_call", SessionFixture.Request(d.Counter, "increment")));
        Assert.Equal(-1, Code(receipt.Data));
        Assert.Equal(3, seen.Count);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(d.Counter, "read_value").Data)); // the increment was undone
        Assert.Equal(4, seen.Count); // and the read was asked about once
    }

    [Fact]
    public void A_root_context_reports_its_synthetic_caller_to_caller_callstack_and_hooks_without_being_a_frame()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        var root = new RootCallContext(d.B);

        Assert.Equal(Contracts.Cat([1], d.B.ToArray()), f.Session.Call(d.A, "return_caller", [], Contracts.Gas, root).Data);
        Assert.Equal(Contracts.Cat(Contracts.Le(1u), d.B.ToArray()), f.Session.Call(d.A, "return_callstack", [], Contracts.Gas, root).Data);
        var nested = f.Session.Call(d.A, "delegate_query", SessionFixture.Request(d.A, "return_callstack"), Contracts.Gas, root).Data;
        Assert.Equal(Contracts.Cat(Contracts.Le(4 + 64), Contracts.Le(2u), d.A.ToArray(), d.B.ToArray()), nested);

        var seen = new List<IReadOnlyList<ContractId>>();
        f.Session.SetCallHook(a => { seen.Add(a.Callers); return null; });
        f.Session.Call(d.A, "query_counter", d.Counter.ToArray(), Contracts.Gas, root);
        Assert.Equal([[d.B], [d.A, d.B]], seen);
        f.Session.ClearCallHook();

        // Not a frame: the same receipt as without a context, and the same state.
        var plain = f.Session.Call(d.Counter, "increment", [], Contracts.Gas);
        var rooted = f.Session.Call(d.Counter, "increment", [], Contracts.Gas, root);
        Assert.Equal(plain.GasSpent, rooted.GasSpent);
        Assert.Equal(plain.CallTree.Contract, rooted.CallTree.Contract);
        Assert.Empty(rooted.CallTree.Children);
    }

    [Fact]
    public void A_root_context_naming_no_deployed_contract_is_refused_typed_and_changes_nothing()
    {
        using var f = new SessionFixture();
        var d = new Deployed(f);
        var before = f.Session.Root;
        var nobody = new ContractId(Hash.Of("nobody"u8));
        var error = Assert.Throws<ContractNotFoundException>(() => f.Session.Call(d.Counter, "increment", [], Contracts.Gas, new RootCallContext(nobody)));
        Assert.Contains(nobody.ToString(), error.Message);
        Assert.Equal(before, f.Session.Root);
    }
}
