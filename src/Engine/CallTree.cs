namespace Piecrust;

/// <summary>
/// One frame of a call: the contract and function called, its gas limit, the gas it spent itself
/// (exclusive of its sub-calls) and its sub-calls in order. A failed sub-call is charged its whole
/// limit and keeps no children.
/// </summary>
public sealed class CallTree
{
    private readonly List<CallTree> _children = [];

    internal CallTree(ContractId contract, string function, ulong gasLimit)
    {
        Contract = contract;
        Function = function;
        GasLimit = gasLimit;
    }

    /// <summary>The contract called.</summary>
    public ContractId Contract { get; }

    /// <summary>The function called.</summary>
    public string Function { get; }

    /// <summary>The frame's gas limit.</summary>
    public ulong GasLimit { get; }

    /// <summary>Gas spent by this frame itself, not counting its sub-calls.</summary>
    public ulong GasSpent { get; internal set; }

    /// <summary>True when this frame failed (and was undone).</summary>
    public bool Failed { get; internal set; }

    /// <summary>Sub-calls in the order they were made.</summary>
    public IReadOnlyList<CallTree> Children => _children;

    /// <summary>Gas this frame and all its sub-calls spent.</summary>
    public ulong TotalGasSpent => GasSpent + _children.Aggregate(0UL, (sum, child) => sum + child.TotalGasSpent);

    internal void Add(CallTree child) => _children.Add(child);

    internal void ClearChildren() => _children.Clear();

    /// <inheritdoc/>
    public override string ToString() => $"{Contract}.{Function} limit {GasLimit} spent {GasSpent}{(Failed ? " (failed)" : "")}";
}
