using System.Text;
using Piecrust.Execution;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// A failed top-level call puts back only the contracts it shares calls with since the last
/// checkpoint (and replays just those calls), and a checkpointed page the instance kept as its own
/// copy (rather than mapped over) goes back to its checkpointed bytes: in every case the session
/// ends exactly as one that never made the failed calls (results, gas, every page, root).
/// </summary>
public sealed class FailedCallRevertTests
{
    private static readonly ContractId[] Trees = [.. Enumerable.Range(0, 3).Select(i => new ContractId(Hash.Of(Encoding.UTF8.GetBytes($"revert-tree{i}"))))];

    public static TheoryData<string> Modes => [nameof(SubCallUndo.OnDemand), nameof(SubCallUndo.InPlace), nameof(SubCallUndo.Reexecute)];

    private static byte[] Write(uint page, uint value) => [(byte)'w', .. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)];
    private static byte[] SubCall(int tree, byte[] script) => [(byte)'c', .. Trees[tree].ToArray(), .. BitConverter.GetBytes(0UL), .. BitConverter.GetBytes(checked((ushort)script.Length)), .. script];
    private static byte[] AllPages(uint value) => [.. Enumerable.Range(0, 64).SelectMany(page => Write((uint)page, value + (uint)page))];

    /// <summary>A step of the script: a call (failing or not), a checkpoint (reading the root), or a commit and a new session on it.</summary>
    private sealed record Step(int Tree, byte[] Script, bool Fails, string Kind = "call");

    private static Step Call(int tree, byte[] script) => new(tree, script, false);
    private static Step Failing(int tree, byte[] script) => new(tree, script, true);
    private static readonly Step Checkpoint = new(0, [], false, "root");
    private static readonly Step CommitAndReopen = new(0, [], false, "commit");

    private static readonly Step[] Script =
    [
        Call(0, Write(1, 11)),
        Call(1, [.. Write(2, 5), .. SubCall(2, Write(2, 22))]), // tree1 and tree2 together
        Call(0, Write(3, 33)),
        Failing(2, [.. Write(2, 44), .. Write(9, 9), (byte)'p']), // puts back tree2 and tree1, replays the call above them
        Call(0, [.. Write(1, 55), .. SubCall(1, [.. Write(5, 5), (byte)'p'])]), // a failed sub-call (re-run or undone in place)
        Checkpoint,
        Call(1, Write(4, 1)),
        Failing(1, [.. Write(4, 2), (byte)'t']), // a page written since the checkpoint, kept privately: back to its copy
        Call(1, AllPages(100)), // more pages than an instance keeps: the rest are mapped
        Checkpoint,
        Failing(1, [.. AllPages(200), (byte)'p']),
        Call(2, [.. AllPages(300), .. SubCall(1, [.. AllPages(400), (byte)'p'])]),
        Call(1, Write(7, 7)),
        CommitAndReopen,
        Failing(1, [.. AllPages(500), (byte)'t']), // after a commit: kept pages hold the committed bytes
        Call(0, SubCall(1, [.. Write(8, 8), .. SubCall(2, Write(8, 8))])),
        Failing(0, [.. SubCall(1, Write(6, 6)), (byte)'p']),
        Checkpoint,
        Failing(2, [.. Write(8, 9), (byte)'p']),
    ];

    [Theory]
    [MemberData(nameof(Modes))]
    public void The_session_ends_as_one_that_never_made_the_failed_calls(string mode)
    {
        Assert.Equal(Run(mode, withFailures: false), Run(mode, withFailures: true));
    }

    private static string Run(string mode, bool withFailures)
    {
        using var vm = VM.Ephemeral(new VMOptions { Memory = TestVM.Path, SubCallUndo = Enum.Parse<SubCallUndo>(mode) });
        var session = vm.Session();
        try
        {
            foreach (var id in Trees) session.Deploy(Contracts.Bytes("calltree"), new ContractData(Contracts.Owner, default, id), Contracts.Gas);
            var outcome = new StringBuilder();
            foreach (var step in Script)
            {
                switch (step.Kind)
                {
                    case "root":
                        outcome.Append($"root {session.Root} ");
                        continue;
                    case "commit":
                        var commit = session.Commit();
                        session.Dispose();
                        session = vm.Session(new SessionData { Base = commit });
                        outcome.Append($"commit {commit} ");
                        continue;
                }
                if (step.Fails)
                {
                    if (withFailures) Assert.ThrowsAny<CallFailedException>(() => session.Call(Trees[step.Tree], "run", step.Script, Contracts.Gas));
                    continue;
                }
                var receipt = session.Call(Trees[step.Tree], "run", step.Script, Contracts.Gas);
                outcome.Append($"{Convert.ToHexString(receipt.Data)}:{receipt.GasSpent} ");
            }
            foreach (var id in Trees)
                foreach (var page in session.MemoryPages(id))
                    outcome.Append($"{id}/{page.Index}:{Convert.ToHexString(page.Bytes.Span)} ");
            outcome.Append($"final {session.Commit()}");
            return outcome.ToString();
        }
        finally
        {
            session.Dispose();
        }
    }
}
