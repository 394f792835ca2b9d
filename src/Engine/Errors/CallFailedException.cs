namespace Piecrust;

/// <summary>
/// A top-level call or deploy's <c>init</c> failed while contract code ran. The session's state is
/// exactly as before the call. Carries the gas the call spent and the events it emitted (all flagged
/// reverted), for diagnostics.
/// </summary>
public abstract class CallFailedException : PiecrustException
{
    private protected CallFailedException(string message) : base(message) { }

    /// <summary>The contract whose frame failed first (the innermost failing frame).</summary>
    public ContractId Contract { get; internal set; }

    /// <summary>Gas the top-level call spent (its whole limit when it ran out of gas).</summary>
    public ulong GasSpent { get; internal set; }

    /// <summary>Events emitted before the failure, all flagged reverted.</summary>
    public IReadOnlyList<ContractEvent> Events { get; internal set; } = [];
}

/// <summary>
/// Contract code called <c>panic</c>; <see cref="Exception.Message"/> holds its message (or says that
/// it gave none), <see cref="PanicMessage"/> the message exactly.
/// </summary>
public sealed class ContractPanicException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public ContractPanicException(string panicMessage)
        : base(string.IsNullOrWhiteSpace(panicMessage) ? "The contract panicked without a message." : panicMessage) => PanicMessage = panicMessage;

    /// <summary>The contract's panic message, exactly.</summary>
    public string PanicMessage { get; }
}

/// <summary>The call ran out of gas: its frame's remaining gas reached zero.</summary>
public sealed class OutOfGasException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public OutOfGasException(string message) : base(message) { }
}

/// <summary>
/// Contract code trapped for another reason: an instruction trapped (unreachable, out-of-bounds
/// access, stack overflow…), a host import was given a bad pointer or length, an unknown host query
/// was asked for, or the function returned an invalid result length.
/// </summary>
public sealed class ContractTrapException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public ContractTrapException(string message) : base(message) { }
}
