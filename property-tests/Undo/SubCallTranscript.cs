using System.Text;

namespace Piecrust.PropertyTests.Undo;

/// <summary>Everything a session shows of a run of tree calls, as text: results or errors, gas, events, call trees, fed items, debug lines, and the root of its commit.</summary>
internal static class SubCallTranscript
{
    public static (string Transcript, Hash Root) Run(VM vm, Hash genesis, IReadOnlyList<TreeCall> calls)
    {
        var world = SubCallWorld.Instance.Value;
        var text = new StringBuilder();
        using var session = vm.Session(new SessionData { Base = genesis });
        foreach (var call in calls)
        {
            var fed = new List<string>();
            try
            {
                var receipt = session.FeederCall(world.Trees[call.Target], "run", call.Script.Encode(), call.Gas, item => fed.Add(Convert.ToHexString(item.Span)));
                text.Append($"ok {Convert.ToHexString(receipt.Data)} gas {receipt.GasSpent} events {Describe(receipt.Events)} tree {Describe(receipt.CallTree)}");
            }
            catch (CallFailedException e)
            {
                text.Append($"{e.GetType().Name} {e.Message} gas {e.GasSpent} events {Describe(e.Events)}");
            }
            text.Append($" fed [{string.Join(",", fed)}]\n");
        }
        text.Append($"debug [{string.Join("|", session.DebugLog)}]\n");
        var root = session.Commit();
        text.Append($"root {root}\n");
        return (text.ToString(), root);
    }

    private static string Describe(IReadOnlyList<ContractEvent> events) =>
        string.Join(";", events.Select(e => $"{e.Source.ToString()[..8]}:{e.Topic}:{Convert.ToHexString(e.Data)}{(e.Reverted ? ":r" : "")}"));

    private static string Describe(CallTree tree) =>
        $"({tree.Contract.ToString()[..8]} {tree.GasLimit}/{tree.GasSpent}{(tree.Failed ? " failed" : "")}{string.Concat(tree.Children.Select(c => " " + Describe(c)))})";
}
