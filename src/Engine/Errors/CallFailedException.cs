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
