namespace Piecrust.PropertyTests.Model;

/// <summary>How an engine call ends: success, or the typed exception it must throw.</summary>
internal enum OutcomeKind { Ok, Panic, Trap, OutOfGas, ContractNotFound, FunctionNotFound, InvalidArgument, AlreadyExists, CommitNotFound, InvalidSnapshot }

/// <summary>The expected (or observed) result of one engine call: data on success, the panic message on a panic.</summary>
internal sealed record Outcome(OutcomeKind Kind, byte[]? Data = null, string? Message = null)
{
    public static Outcome Ok(byte[]? data = null) => new(OutcomeKind.Ok, data ?? []);
    public static Outcome Panic(string message) => new(OutcomeKind.Panic, Message: message);
    public static readonly Outcome Trap = new(OutcomeKind.Trap);
    public static readonly Outcome OutOfGas = new(OutcomeKind.OutOfGas);
    public static readonly Outcome ContractNotFound = new(OutcomeKind.ContractNotFound);
    public static readonly Outcome FunctionNotFound = new(OutcomeKind.FunctionNotFound);
    public static readonly Outcome InvalidArgument = new(OutcomeKind.InvalidArgument);
    public static readonly Outcome AlreadyExists = new(OutcomeKind.AlreadyExists);
    public static readonly Outcome CommitNotFound = new(OutcomeKind.CommitNotFound);
    public static readonly Outcome InvalidSnapshot = new(OutcomeKind.InvalidSnapshot);

    public bool IsOk => Kind == OutcomeKind.Ok;

    /// <summary>What a failed call leaves in a contract's state: nothing (the model keeps the old world).</summary>
    public bool Same(Outcome other) =>
        Kind == other.Kind
        && (Kind != OutcomeKind.Ok || (Data ?? []).AsSpan().SequenceEqual(other.Data ?? []))
        && (Kind != OutcomeKind.Panic || Message == other.Message);

    /// <summary>The typed engine exception an outcome stands for.</summary>
    public static Outcome Of(Exception e) => e switch
    {
        ContractPanicException p => Panic(p.PanicMessage),
        ContractTrapException => Trap,
        OutOfGasException => OutOfGas,
        ContractNotFoundException => ContractNotFound,
        FunctionNotFoundException => FunctionNotFound,
        InvalidArgumentException => InvalidArgument,
        ContractAlreadyExistsException => AlreadyExists,
        CommitNotFoundException => CommitNotFound,
        Piecrust.Merkle.InvalidSnapshotException => InvalidSnapshot,
        _ => throw new UnexpectedException(e),
    };

    public override string ToString() => Kind switch
    {
        OutcomeKind.Ok => (Data ?? []).Length == 0 ? "ok" : "ok " + Convert.ToHexStringLower(Data!),
        OutcomeKind.Panic => $"panic \"{Message}\"",
        _ => Kind.ToString(),
    };
}

/// <summary>An engine call threw something that is not one of its typed exceptions.</summary>
internal sealed class UnexpectedException(Exception inner) : Exception($"untyped exception {inner.GetType().Name}: {inner.Message}", inner);
