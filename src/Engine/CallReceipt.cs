namespace Piecrust;

/// <summary>The outcome of a successful call.</summary>
public sealed class CallReceipt
{
    internal CallReceipt(byte[] data, ulong gasLimit, ulong gasSpent, IReadOnlyList<ContractEvent> events, CallTree callTree)
    {
        Data = data;
        GasLimit = gasLimit;
        GasSpent = gasSpent;
        Events = events;
        CallTree = callTree;
    }

    /// <summary>The bytes the function returned.</summary>
    public byte[] Data { get; }

    /// <summary>The gas limit the call was given.</summary>
    public ulong GasLimit { get; }

    /// <summary>Gas the call spent (WASM instructions, event bytes, host-query prices, failed sub-calls' limits).</summary>
    public ulong GasSpent { get; }

    /// <summary>Events in emission order, including those of failed sub-calls (flagged reverted).</summary>
    public IReadOnlyList<ContractEvent> Events { get; }

    /// <summary>The frames of the call and their gas.</summary>
    public CallTree CallTree { get; }
}
