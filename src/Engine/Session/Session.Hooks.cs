namespace Piecrust;

// Call hooks and calls with a root context (piecrust 0.31–0.32's call-hook feature, in C# shape).
public sealed partial class Session
{
    /// <summary>
    /// Sets the hook asked before every top-level call (<see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>,
    /// <see cref="FeederCall"/>) and every inter-contract call, with the attempt
    /// (<see cref="CallAttempt"/>), and returns the hook it replaces (null when none). The hook returns
    /// null to let the call go on, or a message to reject it as a panic with that message: a
    /// top-level call throws <see cref="ContractPanicException"/> before anything runs; a caller
    /// contract gets the Panic code and the message from <c>c</c>, is charged nothing for it, and the
    /// call tree has no node for it. Either way the state is unchanged by the rejected call.
    /// </summary>
    /// <remarks>
    /// <para>The hook runs on the thread running the call and must not use the session
    /// (<see cref="SessionBusyException"/>). An exception it throws ends the call, which is reverted,
    /// and reaches the caller unchanged.</para>
    /// <para>It is asked once per attempt the contracts make. The engine undoes a failed
    /// inter-contract call by re-running the top-level call, and a later failure by replaying earlier
    /// calls: those re-executions reuse the decisions made the first time and do not ask the hook
    /// again, so the hook sees each attempt once, and a replay decides as the original run did even
    /// after the hook was changed. <c>init</c> at deploy is not asked about (as in piecrust it is not a
    /// call); the inter-contract calls it makes are.</para>
    /// <para>Piecrust's hook sees inter-contract calls only; a hook ported from it returns null when
    /// <see cref="CallAttempt.IsTopLevel"/> is true.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="hook"/> is null (use <see cref="ClearCallHook"/>).</exception>
    public Func<CallAttempt, string?>? SetCallHook(Func<CallAttempt, string?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        using var entry = EnterLive(nameof(SetCallHook));
        return _runner.SetCallHook(hook);
    }

    /// <summary>Removes the call hook (<see cref="SetCallHook"/>) and returns it (null when none was set).</summary>
    public Func<CallAttempt, string?>? ClearCallHook()
    {
        using var entry = EnterLive(nameof(ClearCallHook));
        return _runner.SetCallHook(null);
    }

    /// <summary>
    /// <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/> as if made by the contract
    /// <see cref="RootCallContext.SyntheticCaller"/>: the <c>caller</c> import of the called frame and
    /// the <c>callstack</c> import of every frame report it as the root caller, and call hooks see it
    /// last in <see cref="CallAttempt.Callers"/>. It is not a frame: gas, the call tree, events and
    /// the state describe only the real call. A null <paramref name="context"/> is no context.
    /// Like every member, allowed only on an idle session (not from a feeder, host query or hook of a running call).
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract, or the synthetic caller is not deployed in the session's state.</exception>
    /// <exception cref="FunctionNotFoundException">The contract exports no such function.</exception>
    /// <exception cref="InvalidArgumentException">The argument is over 64 KiB, or the function is <c>init</c>.</exception>
    /// <exception cref="InvalidModuleException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>.</exception>
    /// <exception cref="CallFailedException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>.</exception>
    /// <exception cref="ReplayDivergedException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>.</exception>
    public CallReceipt Call(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit, RootCallContext? context)
    {
        using var entry = EnterLive(nameof(Call));
        SessionArguments.CheckCall(function, arg);
        return _runner.Call(contract, function, arg.ToArray(), gasLimit, feeder: null, context);
    }
}
