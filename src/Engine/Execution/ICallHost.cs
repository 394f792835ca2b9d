namespace Piecrust.Execution;

/// <summary>
/// What the host imports (<see cref="HostImports"/>) ask of the session whose call runs: the call in
/// progress, the contracts and metadata of its state, the VM's host queries, its debug log, and
/// inter-contract calls. The session's call runner implements it; a runtime serves the one that
/// holds it (<see cref="WasmRuntime.Host"/>), so nothing here depends on the session's types.
/// </summary>
internal interface ICallHost
{
    /// <summary>The attempt at a top-level call in progress.</summary>
    CallContext Context { get; }

    /// <summary>The contract as the session sees it, loaded on first use; null when absent.</summary>
    ContractState? TryLoad(ContractId id);

    /// <summary>Owner bytes of a contract in the session's state, without loading its code; null when absent.</summary>
    byte[]? OwnerOf(ContractId id);

    /// <summary>The session's metadata value <paramref name="name"/> (not a copy: read it only); null when absent.</summary>
    byte[]? Metadata(string name);

    /// <summary>The host query registered as <paramref name="name"/>; null when none is, or the session excludes it.</summary>
    IHostQuery? HostQuery(string name);

    /// <summary>True when an exception a host query throws fails the frame as a panic; false when it ends the call and reaches its caller.</summary>
    bool ContainHostQueryPanics { get; }

    /// <summary>Adds a line to the session's debug log, unless <paramref name="context"/> takes no more (<see cref="CallContext.TakesDebugLines"/>).</summary>
    void AddDebugLine(CallContext context, string line);

    /// <summary>
    /// The call hook's decision on inter-contract call <paramref name="callIndex"/> of the attempt, to
    /// <paramref name="function"/> of <paramref name="callee"/> with the first <paramref name="argLength"/>
    /// bytes of the caller's argument buffer: null to go on, else the message to reject it with (a panic).
    /// </summary>
    string? ApproveCall(int callIndex, ContractId callee, string function, int argLength);

    /// <summary>
    /// Runs the inter-contract call <paramref name="callIndex"/> of the attempt: <paramref name="function"/>
    /// of <paramref name="callee"/> (an export other than <c>init</c>) with the first
    /// <paramref name="argLength"/> bytes of the caller's argument buffer, and at most
    /// <paramref name="gas"/> gas (0 or more than is left: 93 % of what is left). Returns the result's
    /// length, written to the caller's argument buffer, or the error code of a failed callee.
    /// </summary>
    int CallContract(int callIndex, Frame caller, ContractState callee, string function, int argLength, long gas);
}
