using Piecrust.Execution;

namespace Piecrust;

// The call hook: asked before every top-level call and every inter-contract call.
internal sealed partial class CallRunner
{
    private Func<CallAttempt, string?>? _callHook;

    /// <summary>Sets the call hook (null: none) and returns the one it replaces.</summary>
    public Func<CallAttempt, string?>? SetCallHook(Func<CallAttempt, string?>? hook)
    {
        var previous = _callHook;
        _callHook = hook;
        return previous;
    }

    /// <summary>Asks the hook about a top-level call before anything runs.</summary>
    /// <exception cref="ContractPanicException">The hook rejected the call, with its message.</exception>
    private void ApproveTopLevel(ContractId callee, string function, byte[] argument, ContractId? rootCaller)
    {
        if (_callHook is not { } hook) return;
        ContractId[] callers = rootCaller is { } root ? [root] : [];
        if (hook(new CallAttempt(callee, function, argument.ToArray(), callers) { IsTopLevel = true }) is { } rejection)
            throw new ContractPanicException(rejection) { Contract = callee };
    }

    /// <summary>
    /// The hook's decision on inter-contract call <paramref name="callIndex"/> of the running call
    /// (null: allowed; else the rejection message). Asked once per call index of a top-level call:
    /// its re-runs after a nested failure, and replays of it after a later failure, reuse the
    /// decision, so the hook sees each attempt once and the outcome never changes on re-execution.
    /// </summary>
    public string? ApproveCall(int callIndex, ContractId callee, string function, int argLength)
    {
        var context = _call!;
        if (context.HookDecisions.TryGetValue(callIndex, out var known)) return known;
        if (context.Hook is not { } hook) return null;
        var caller = context.Top.Contract;
        var argument = new byte[argLength];
        caller.InstanceMemory!.Read(caller.Code.ArgumentBuffer, argument);
        var decision = hook(new CallAttempt(callee, function, argument, context.CallersBelow(context.Frames.Count)));
        context.HookDecisions[callIndex] = decision;
        return decision;
    }
}
