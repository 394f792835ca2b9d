namespace Piecrust.PropertyTests.Differential;

/// <summary>One step of a differential run; ToString is what a shrunk counterexample shows.</summary>
public abstract record Operation;

/// <summary>A top-level call, run on both paths.</summary>
public sealed record CallOperation(string Contract, string Function, byte[] Argument, ulong Gas) : Operation
{
    public override string ToString() => $"call {Contract}.{Function}({Convert.ToHexString(Argument)}) gas {Gas}";
}

/// <summary>Commit both sessions; their roots must agree.</summary>
public sealed record CommitOperation : Operation
{
    public override string ToString() => "commit";
}

/// <summary>Continue on fresh sessions based on an earlier root of this run (index modulo the roots so far; 0 = genesis).</summary>
public sealed record ReopenOperation(int RootIndex) : Operation
{
    public override string ToString() => $"reopen on root #{RootIndex}";
}

/// <summary>Compare the sessions' current state roots (forces the mapped path to checkpoint).</summary>
public sealed record CheckRootOperation : Operation
{
    public override string ToString() => "check root";
}
