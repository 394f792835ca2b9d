using System.Buffers.Binary;
using System.Text;
using Piecrust.Execution;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Call hooks and root contexts where the engine executes a call more than once: a failed sub-call
/// undone by re-running the top-level call, a top-level failure undone by replaying earlier calls,
/// in every <see cref="SubCallUndo"/> mode. The hook's decisions must hold as first made, and a
/// root context must leave every trace of the call as a plain call leaves it.
/// </summary>
public sealed class CallHookUndoTests
{
    private static readonly ContractId[] Trees = [.. Enumerable.Range(0, 3).Select(i => new ContractId(Hash.Of(Encoding.UTF8.GetBytes($"hook-tree{i}"))))];
    private static readonly SubCallUndo[] Modes = [SubCallUndo.OnDemand, SubCallUndo.InPlace, SubCallUndo.Reexecute];

    private static (VM Vm, Session Session) Open(SubCallUndo mode)
    {
        var vm = VM.Ephemeral(new VMOptions { Memory = TestVM.Path, SubCallUndo = mode });
        var session = vm.Session();
        foreach (var id in Trees) session.Deploy(Contracts.Bytes("calltree"), new ContractData(Contracts.Owner, default, id), Contracts.Gas);
        return (vm, session);
    }

    // calltree scripts (see tests/contracts/calltree.c).
    private static byte[] Write(uint page, uint value) => [(byte)'w', .. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)];
    private static byte[] SubCall(int tree, byte[] script) => [(byte)'c', .. Trees[tree].ToArray(), .. BitConverter.GetBytes(0UL), .. BitConverter.GetBytes(checked((ushort)script.Length)), .. script];
    private static readonly byte[] Panic = [(byte)'p'];

    private static ulong Sum(Session session, int tree) => BinaryPrimitives.ReadUInt64LittleEndian(session.Call(Trees[tree], "run", [], Contracts.Gas).Data);

    /// <summary>The codes of the sub-calls a tree made, from its "code" events that were kept.</summary>
    private static int[] Codes(CallReceipt receipt, int tree) =>
        [.. receipt.Events.Where(e => e.Source == Trees[tree] && e.Topic == "code" && !e.Reverted).Select(e => BitConverter.ToInt32(e.Data))];

    private static string Show(CallTree node) =>
        $"{node}[{string.Join(", ", node.Children.Select(Show))}]";

    private static string Show(CallReceipt receipt) =>
        $"{Convert.ToHexString(receipt.Data)} {receipt.GasLimit} {receipt.GasSpent} {Show(receipt.CallTree)} " +
        string.Join(" ", receipt.Events.Select(e => $"{e.Source}/{e.Topic}/{Convert.ToHexString(e.Data)}/{e.Reverted}"));

    [Fact]
    public void A_re_run_after_a_failed_sub_call_keeps_a_stateful_hooks_decisions_in_every_undo_mode()
    {
        var roots = new List<Hash>();
        foreach (var mode in Modes)
        {
            var (vm, session) = Open(mode);
            using (vm)
            using (session)
            {
                // The hook refuses the first attempt on tree2 only: were it asked again when the engine
                // re-runs the call to undo tree0's failure, the first call to tree2 would now go through.
                int attempts = 0, tree2Attempts = 0;
                session.SetCallHook(a =>
                {
                    attempts++;
                    return a.Callee == Trees[2] && tree2Attempts++ == 0 ? "first try refused" : null;
                });

                byte[] script = [.. SubCall(2, Write(1, 7)), .. SubCall(0, [.. Write(1, 5), .. Panic]), .. SubCall(2, Write(1, 7))];
                var receipt = session.Call(Trees[1], "run", script, 50_000_000);

                Assert.Equal(4, attempts); // the top-level call and three inter-contract attempts, each asked about once
                Assert.Equal([-1, -1, 8], Codes(receipt, 1)); // refused (panic), failed (panic), made (its 8-byte sum)
                Assert.Equal(2, receipt.CallTree.Children.Count); // the refused attempt has no node
                Assert.True(receipt.CallTree.Children[0].Failed);
                Assert.Equal(Trees[0], receipt.CallTree.Children[0].Contract);
                Assert.False(receipt.CallTree.Children[1].Failed);
                Assert.Equal(Trees[2], receipt.CallTree.Children[1].Contract);

                session.ClearCallHook();
                Assert.Equal(7UL + 1, Sum(session, 2)); // tree2 ran its write once, from its empty sum: fold(7) = 7 + 1
                Assert.Equal(0UL, Sum(session, 0)); // tree0's write was undone
                roots.Add(session.Root);
            }
        }
        Assert.Single(roots.Distinct());
    }

    [Fact]
    public void A_replay_after_a_failed_call_decides_as_the_original_run_did_though_the_hook_changed()
    {
        var roots = new List<Hash>();
        foreach (var mode in Modes)
        {
            var (vm, session) = Open(mode);
            using (vm)
            using (session)
            {
                session.SetCallHook(a => a.Callee == Trees[2] ? "tree2 is closed" : null);
                var first = session.Call(Trees[1], "run", [.. SubCall(2, Write(1, 7)), .. Write(2, 3)], Contracts.Gas);
                Assert.Equal([-1], Codes(first, 1));

                // Now everything is allowed. A failed top-level call is undone by reverting to the last
                // checkpoint and replaying the calls since (the first one, on the mapped path): were the
                // replay to ask this hook, tree2 would be written and the replay would diverge.
                int asked = 0;
                session.SetCallHook(_ => { asked++; return null; });
                Assert.Throws<ContractPanicException>(() => session.Call(Trees[1], "run", [.. Write(3, 1), .. Panic], Contracts.Gas));
                Assert.Equal(1, asked); // the failed call itself; the replay asked nothing

                session.ClearCallHook();
                Assert.Equal(0UL, Sum(session, 2));
                Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(first.Data), Sum(session, 1));
                roots.Add(session.Root);
            }
        }
        Assert.Single(roots.Distinct());
    }

    [Fact]
    public void A_hook_that_throws_ends_the_call_reverted_and_its_exception_reaches_the_caller()
    {
        foreach (var mode in Modes)
        {
            var (vm, session) = Open(mode);
            using (vm)
            using (session)
            {
                var before = session.Root;
                var thrown = new InvalidOperationException("hook failed");
                session.SetCallHook(a => a.Callee == Trees[2] ? throw thrown : null);

                var error = Assert.ThrowsAny<Exception>(() => session.Call(Trees[1], "run", [.. Write(1, 1), .. SubCall(0, Write(1, 2)), .. SubCall(2, [])], Contracts.Gas));
                Assert.Same(thrown, error);
                Assert.Equal(before, session.Root);

                session.ClearCallHook();
                Assert.Equal(0UL, Sum(session, 0)); // the sub-call made before the hook threw was undone too
                Assert.Equal(0UL, Sum(session, 1));
                Assert.Equal(before, session.Root);
            }
        }
    }

    [Fact]
    public void A_root_context_leaves_result_gas_events_call_tree_debug_lines_and_root_as_a_plain_call_does()
    {
        // Writes, events, debug lines, a made and a failed sub-call, a re-entrant one.
        byte[] script =
        [
            .. Write(1, 9), (byte)'e', 4, (byte)'d',
            .. SubCall(0, [(byte)'e', 3, (byte)'d', .. Write(2, 4)]),
            .. SubCall(2, [.. Write(5, 5), (byte)'e', 2, .. Panic]),
            .. SubCall(0, SubCall(1, Write(7, 1))),
            (byte)'e', 1,
        ];
        string Run(RootCallContext? context)
        {
            var (vm, session) = Open(TestVM.Undo);
            using (vm)
            using (session)
            {
                var receipt = context is null
                    ? session.Call(Trees[1], "run", script, 50_000_000)
                    : session.Call(Trees[1], "run", script, 50_000_000, context);
                return $"{Show(receipt)} {string.Join("|", session.DebugLog)} {session.Root}";
            }
        }

        var plain = Run(null);
        Assert.Contains("(failed)", plain); // the script does what it says
        Assert.Equal(plain, Run(new RootCallContext(Trees[2])));
        Assert.Equal(plain, Run(new RootCallContext(Trees[1]))); // the callee itself as the synthetic caller
    }

    [Fact]
    public void A_hook_refusing_a_rooted_top_level_call_sees_the_synthetic_caller_and_nothing_changes()
    {
        var (vm, session) = Open(TestVM.Undo);
        using (vm)
        using (session)
        {
            var before = session.Root;
            var seen = new List<CallAttempt>();
            session.SetCallHook(a => { seen.Add(a); return "closed"; });
            var error = Assert.Throws<ContractPanicException>(() => session.Call(Trees[1], "run", Write(1, 1), Contracts.Gas, new RootCallContext(Trees[0])));
            Assert.Equal("closed", error.PanicMessage);
            var attempt = Assert.Single(seen);
            Assert.True(attempt.IsTopLevel);
            Assert.Equal([Trees[0]], attempt.Callers);
            Assert.Equal(Trees[1], attempt.Callee);
            Assert.Equal(Write(1, 1), attempt.Argument.ToArray());
            Assert.Equal(before, session.Root);

            // An undeployed synthetic caller is refused before the hook is asked.
            var nobody = new ContractId(Hash.Of("nobody"u8));
            Assert.Throws<ContractNotFoundException>(() => session.Call(Trees[1], "run", [], Contracts.Gas, new RootCallContext(nobody)));
            Assert.Single(seen);
            Assert.Equal(before, session.Root);
        }
    }
}
