namespace Piecrust;

/// <summary>
/// A call about to be made, as a call hook sees it (<see cref="Session.SetCallHook"/>): the
/// callee, the function, the argument, and the callers, immediate caller first and the root last
/// (what the <c>callstack</c> import would report to the callee), as piecrust's <c>CallHook</c> receives them.
/// </summary>
/// <param name="Callee">The contract to be called.</param>
/// <param name="Function">The function to be called.</param>
/// <param name="Argument">The argument, as the callee would receive it.</param>
/// <param name="Callers">The contracts on the call stack below the callee, immediate caller first, root last; a root context's synthetic caller (<see cref="RootCallContext"/>) is the last. Empty for a top-level call without a root context.</param>
public sealed record CallAttempt(ContractId Callee, string Function, ReadOnlyMemory<byte> Argument, IReadOnlyList<ContractId> Callers)
{
    /// <summary>True for a top-level call (<see cref="Session.Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>, <see cref="Session.FeederCall"/>), false for an inter-contract call. Piecrust's hook sees inter-contract calls only: a hook ported from it returns null when this is true.</summary>
    public bool IsTopLevel { get; init; }
}
