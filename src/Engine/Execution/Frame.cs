namespace Piecrust.Execution;

/// <summary>One active contract call on the session's call stack.</summary>
internal sealed class Frame(ContractState contract, ulong gasLimit, CallTree node)
{
    public ContractState Contract { get; } = contract;
    public ulong GasLimit { get; } = gasLimit;
    public CallTree Node { get; } = node;

    /// <summary>Gas charged to this frame for its sub-calls (spent, or the whole limit of a failed one).</summary>
    public ulong ChargedToChildren { get; set; }
}
