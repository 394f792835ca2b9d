namespace Piecrust.Execution;

/// <summary>One active contract call on the session's call stack.</summary>
internal sealed class Frame(ContractState contract, ulong gasLimit, CallTree node)
{
    public ContractState Contract { get; } = contract;
    public ulong GasLimit { get; } = gasLimit;
    public CallTree Node { get; } = node;

    /// <summary>Gas charged to this frame for its sub-calls (spent, or the whole limit of a failed one).</summary>
    public ulong ChargedToChildren { get; set; }

    /// <summary>
    /// With in-place undo, for a sub-call: each contract its subtree ran, as it was when the subtree
    /// first reached it (marks of successful sub-calls move up to their caller); null otherwise.
    /// </summary>
    public Dictionary<ContractState, ContractMark>? Marks { get; init; }
}
