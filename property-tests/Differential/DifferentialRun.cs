namespace Piecrust.PropertyTests.Differential;

/// <summary>One sequence of operations on a plain and a mapped session side by side; cleans up its commits.</summary>
internal sealed class DifferentialRun(DifferentialWorld world) : IDisposable
{
    private readonly List<Hash> _roots = [world.Genesis];
    private Session _plain = world.Plain.Session(new SessionData { Base = world.Genesis });
    private Session _mapped = world.Mapped.Session(new SessionData { Base = world.Genesis });

    /// <summary>Runs the operations; returns a description of the first disagreement, or null.</summary>
    public string? Execute(IReadOnlyList<Operation> operations)
    {
        for (int step = 0; step < operations.Count; step++)
        {
            string? problem = operations[step] switch
            {
                CallOperation call => Compare(Outcome.Of(_plain, world, call), Outcome.Of(_mapped, world, call)),
                CommitOperation => Agree("commit", Add(_plain.Commit()), _mapped.Commit()),
                CheckRootOperation => Agree("root", _plain.Root, _mapped.Root),
                ReopenOperation reopen => Reopen(_roots[reopen.RootIndex % _roots.Count]),
                _ => throw new InvalidOperationException(),
            };
            if (problem is not null) return $"step {step} ({operations[step]}): {problem}";
        }
        return Agree("final root", _plain.Root, _mapped.Root);
    }

    private Hash Add(Hash root)
    {
        if (!_roots.Contains(root)) _roots.Add(root);
        return root;
    }

    private static string? Agree(string what, Hash plain, Hash mapped) => plain == mapped ? null : $"{what}: plain {plain} vs mapped {mapped}";

    private static string? Compare(Outcome plain, Outcome mapped) => plain == mapped ? null : $"plain {plain} vs mapped {mapped}";

    private string? Reopen(Hash root)
    {
        _plain.Dispose();
        _mapped.Dispose();
        _plain = world.Plain.Session(new SessionData { Base = root });
        _mapped = world.Mapped.Session(new SessionData { Base = root });
        return null;
    }

    public void Dispose()
    {
        _plain.Dispose();
        _mapped.Dispose();
        foreach (var root in _roots.Skip(1))
        {
            world.Plain.DeleteCommit(root);
            world.Mapped.DeleteCommit(root);
        }
    }
}

/// <summary>What a call did, comparable across paths.</summary>
internal sealed record Outcome(string Kind, string Data, ulong Gas, string Events, ulong TreeGas)
{
    public static Outcome Of(Session session, DifferentialWorld world, CallOperation call)
    {
        try
        {
            var receipt = session.Call(world.Id(call.Contract), call.Function, call.Argument, call.Gas);
            return new Outcome("ok", Convert.ToHexString(receipt.Data), receipt.GasSpent, Describe(receipt.Events), receipt.CallTree.TotalGasSpent);
        }
        catch (CallFailedException e)
        {
            return new Outcome(e.GetType().Name, e.Message, e.GasSpent, Describe(e.Events), 0);
        }
    }

    private static string Describe(IReadOnlyList<ContractEvent> events) =>
        string.Join(";", events.Select(e => $"{e.Source.ToString()[..8]}:{e.Topic}:{Convert.ToHexString(e.Data)}:{(e.Reverted ? "r" : "")}"));
}
