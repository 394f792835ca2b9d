using System.Buffers.Binary;
using System.Text;
using Piecrust.Execution;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Failed sub-calls undone in place (issue J, point 1) against re-execution: every way of undoing
/// (<see cref="SubCallUndo"/>) gives the same results, gas, events, fed items and roots. The random
/// version of these checks is the SubCallUndoDifferentialProperty of the property tests.
/// </summary>
public sealed class SubCallUndoTests
{
    private static readonly ContractId[] Trees = [.. Enumerable.Range(0, 3).Select(i => new ContractId(Hash.Of(Encoding.UTF8.GetBytes($"undo-tree{i}"))))];

    public static TheoryData<string> Modes => [nameof(SubCallUndo.OnDemand), nameof(SubCallUndo.InPlace), nameof(SubCallUndo.Reexecute)];

    private static (VM Vm, Session Session) Open(string mode)
    {
        var vm = VM.Ephemeral(new VMOptions { Memory = TestVM.Path, SubCallUndo = Enum.Parse<SubCallUndo>(mode) });
        var session = vm.Session();
        foreach (var id in Trees) session.Deploy(Contracts.Bytes("calltree"), new ContractData(Contracts.Owner, default, id), Contracts.Gas);
        return (vm, session);
    }

    private static byte[] Write(uint page, uint value) => [(byte)'w', .. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)];
    private static byte[] U16(int v) => BitConverter.GetBytes(checked((ushort)v));
    private static byte[] SubCall(int tree, ulong gas, byte[] script) => [(byte)'c', .. Trees[tree].ToArray(), .. BitConverter.GetBytes(gas), .. U16(script.Length), .. script];

    private static string Outcome(CallReceipt receipt) => $"{Convert.ToHexString(receipt.Data)} {receipt.GasSpent} {Events(receipt)}";

    private static string Events(CallReceipt receipt) =>
        string.Join(";", receipt.Events.Select(e => $"{e.Source}:{e.Topic}:{Convert.ToHexString(e.Data)}:{e.Reverted}"));

    private static ulong Sum(CallReceipt receipt) => BinaryPrimitives.ReadUInt64LittleEndian(receipt.Data);

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_failed_sub_call_that_held_an_earlier_failure_leaves_the_calls_after_it_running(string mode)
    {
        // tree1 → tree0 → tree2 (fails: its own sub-call tree0 failed first, then it panics),
        // then tree0 → tree1 (re-entrant) → tree2, which must run, not take the earlier failure's place.
        var (vm, session) = Open(mode);
        using (vm)
        using (session)
        {
            byte[] failing = [.. SubCall(0, 0, [.. Write(1, 5), (byte)'p']), .. SubCall(1, 0, []), (byte)'e', 22, (byte)'p'];
            byte[] reentrant = SubCall(2, 152_067, [(byte)'d', .. Write(10, 7)]);
            byte[] script = SubCall(0, 0, [(byte)'g', 1, .. SubCall(2, 0, failing), .. SubCall(1, 0, reentrant)]);
            var receipt = session.Call(Trees[1], "run", script, 50_000_000);
            var tree0 = Assert.Single(receipt.CallTree.Children);
            Assert.False(tree0.Failed);
            Assert.Equal(2, tree0.Children.Count);
            Assert.True(tree0.Children[0].Failed);
            Assert.Empty(tree0.Children[0].Children);
            Assert.False(tree0.Children[1].Failed);
            Assert.False(Assert.Single(tree0.Children[1].Children).Failed);
            Assert.Equal(["tree 0"], session.DebugLog);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Many_failed_sub_calls_leave_nothing_but_their_charge_reverted_events_and_fed_items(string mode)
    {
        var (vm, session) = Open(mode);
        using (vm)
        using (session)
        {
            const int Failures = 40;
            // Each sub-call grows, writes 3 pages, emits, feeds its sum and panics; the caller writes, feeds and logs between them.
            byte[] failing = [(byte)'g', 1, .. Write(20, 1), .. Write(21, 2), .. Write(63, 3), (byte)'e', 8, (byte)'f', (byte)'p'];
            byte[] body = [.. Write(2, 9), (byte)'f', .. SubCall(0, 300_000, failing), (byte)'d'];
            var fed = new List<ulong>();
            var receipt = session.FeederCall(Trees[1], "run", [(byte)'r', .. U16(Failures), .. U16(body.Length), .. body], 1_000_000_000,
                item => fed.Add(BinaryPrimitives.ReadUInt64LittleEndian(item.Span)));

            Assert.Equal(Failures, receipt.CallTree.Children.Count);
            Assert.All(receipt.CallTree.Children, child => Assert.True(child.Failed && child.GasSpent == 300_000 && child.Children.Count == 0));
            Assert.True(receipt.GasSpent > Failures * 300_000UL);
            // The callee's events stay, reverted; the caller's "code" events (panic: -1) do not.
            Assert.Equal(Failures, receipt.Events.Count(e => e.Source == Trees[0] && e.Topic == "tree" && e.Reverted));
            Assert.Equal(Failures, receipt.Events.Count(e => e.Source == Trees[1] && e.Topic == "code" && !e.Reverted && BitConverter.ToInt32(e.Data) == -1));
            // Fed once each, in order: the callee always starts from its untouched sum 0 (first op: grow
            // folds the old size 2 pages), so every one of its items is the same.
            Assert.Equal(2 * Failures, fed.Count);
            ulong calleeSum = (0 * 1099511628211UL) + 2 + 1;
            foreach (ulong value in new[] { 1UL, 2UL, 3UL }) calleeSum = calleeSum * 1099511628211UL + value + 1;
            Assert.All(fed.Where((_, i) => i % 2 == 1), item => Assert.Equal(calleeSum, item));
            Assert.Equal(Failures, session.DebugLog.Count);

            // Nothing of the callee's is left: its sum and memory length (grow 0 folds the size: 2 pages) are as deployed.
            Assert.Equal(0UL, Sum(session.Call(Trees[0], "run", [], 1_000_000)));
            Assert.Equal(3UL, Sum(session.Call(Trees[0], "run", [(byte)'g', 0], 1_000_000)));
        }
    }

    [Fact]
    public void A_function_whose_sub_calls_keep_failing_is_run_again_once_not_at_every_call()
    {
        var (vm, session) = Open(nameof(SubCallUndo.OnDemand));
        using (vm)
        using (session)
        {
            byte[] failing = [.. Write(3, 1), (byte)'p'];
            byte[] withFailure = [.. Write(2, 9), .. SubCall(0, 300_000, failing)];
            byte[] withoutFailure = [.. Write(2, 8), .. SubCall(0, 300_000, Write(4, 1))];
            var receipts = new List<CallReceipt>();
            receipts.Add(session.Call(Trees[1], "run", withFailure, 50_000_000));
            Assert.Equal(1, session.Reruns); // the first one: run without marks, reverted, run with them
            for (int i = 0; i < 5; i++) receipts.Add(session.Call(Trees[1], "run", withFailure, 50_000_000));
            Assert.Equal(1, session.Reruns); // the same function again: marks from the start
            receipts.Add(session.Call(Trees[1], "run", withoutFailure, 50_000_000)); // no failure: unlearned
            receipts.Add(session.Call(Trees[1], "run", withFailure, 50_000_000));
            Assert.Equal(2, session.Reruns);
            receipts.Add(session.Call(Trees[2], "run", withFailure, 50_000_000)); // another contract's function: learned apart
            Assert.Equal(3, session.Reruns);

            // The same calls in a session that re-runs at every failure: the same receipts and root.
            var (reVm, reSession) = Open(nameof(SubCallUndo.Reexecute));
            using (reVm)
            using (reSession)
            {
                var expected = new List<CallReceipt>();
                for (int i = 0; i < 6; i++) expected.Add(reSession.Call(Trees[1], "run", withFailure, 50_000_000));
                expected.Add(reSession.Call(Trees[1], "run", withoutFailure, 50_000_000));
                expected.Add(reSession.Call(Trees[1], "run", withFailure, 50_000_000));
                expected.Add(reSession.Call(Trees[2], "run", withFailure, 50_000_000));
                Assert.Equal(expected.Select(Outcome), receipts.Select(Outcome));
                Assert.Equal(reSession.Root, session.Root);
            }
        }
    }

    [Fact]
    public void Every_way_of_undoing_gives_the_same_receipt_fed_items_debug_log_and_root()
    {
        byte[] failing = [(byte)'g', 1, .. Write(20, 1), .. SubCall(1, 0, [.. Write(30, 4), (byte)'f', (byte)'e', 3]), .. Write(63, 3), (byte)'e', 8, (byte)'f', (byte)'t'];
        byte[] body = [.. Write(2, 9), (byte)'f', .. SubCall(0, 300_000, failing), (byte)'d', .. SubCall(2, 100_000, [.. Write(5, 5), (byte)'s'])];
        byte[] script = [(byte)'r', .. U16(7), .. U16(body.Length), .. body];
        var outcomes = new[] { nameof(SubCallUndo.OnDemand), nameof(SubCallUndo.InPlace), nameof(SubCallUndo.Reexecute) }.Select(mode =>
        {
            var (vm, session) = Open(mode);
            using (vm)
            using (session)
            {
                var fed = new List<string>();
                var receipt = session.FeederCall(Trees[1], "run", script, 1_000_000_000, item => fed.Add(Convert.ToHexString(item.Span)));
                return $"{Convert.ToHexString(receipt.Data)} {receipt.GasSpent} {receipt.CallTree.TotalGasSpent} {Events(receipt)} [{string.Join(",", fed)}] [{string.Join("|", session.DebugLog)}] {session.Commit()}";
            }
        }).ToArray();
        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Equal(outcomes[0], outcomes[2]);
    }
}
