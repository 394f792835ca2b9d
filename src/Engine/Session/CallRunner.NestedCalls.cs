using Piecrust.Execution;

namespace Piecrust;

// Inter-contract calls (the runner's side of the c import). A failed callee is undone in place from
// the marks its frame holds (see ContractMark), or, without marks, by re-execution: the top-level
// call is reverted and re-run with that call short-circuited to its recorded outcome.
internal sealed partial class CallRunner
{
    public int CallContract(int callIndex, Frame caller, ContractState callee, string function, int argLength, long gas)
    {
        var context = _call!;
        ulong remaining = _runtime.Store.Fuel;
        ulong limit = gas > 0 && (ulong)gas < remaining ? (ulong)gas : remaining * 93 / 100;
        var node = new CallTree(callee.Id, function, limit);
        caller.Node.Add(node);

        if (context.KnownFailures.TryGetValue(callIndex, out var failure))
        {
            context.Events.AddRange(failure.Events);
            foreach (var line in failure.DebugLines) AddDebugLine(context, line);
            context.SkipFeeds(failure.FeedCount);
            return ChargeFailure(caller, node, limit, remaining, failure.Error);
        }

        var argument = new byte[argLength];
        caller.Contract.InstanceMemory!.Read(caller.Contract.Code.ArgumentBuffer, argument);
        int eventsStart = context.Events.Count, debugStart = _debugLog.Count;
        long feedsStart = context.FeedCount;
        var frame = new Frame(callee, limit, node) { Marks = context.InPlaceUndo ? [] : null };
        int depth = context.Frames.Count;
        context.Frames.Add(frame);
        _runtime.Store.Fuel = limit;
        try
        {
            var result = Invoke(frame, function, argument, argLength);
            ulong spent = limit - _runtime.Store.Fuel;
            node.GasSpent = spent - frame.ChargedToChildren;
            caller.ChargedToChildren += spent;
            _runtime.Store.Fuel = remaining - spent;
            // The caller's subtree now holds what this one changed: its marks cover it (those of
            // contracts the caller's subtree reached first are older and stay); the others are dropped.
            if (frame.Marks is { } marks)
                foreach (var (state, mark) in marks)
                    if (caller.Marks is not { } callerMarks || !callerMarks.TryAdd(state, mark))
                        mark.Release();
            if (!caller.Contract.InstanceMemory!.TryWrite(caller.Contract.Code.ArgumentBuffer, result))
                throw context.Fail(ContractErrorKind.Trap, "the caller's argument buffer lies outside its current memory");
            return result.Length;
        }
        catch (Exception e) when (!context.Unwinding && context.IsContractFailure(e))
        {
            context.Frames.RemoveRange(depth, context.Frames.Count - depth);
            var error = Classify(e, context);
            if (frame.Marks is { } marks)
            {
                // Undo in place: every contract the subtree ran back as it was, its events kept as
                // reverted, its debug lines and fed items kept (they were delivered), its node childless.
                foreach (var (state, mark) in marks)
                {
                    mark.Restore(state, _pageScratch);
                    mark.Release();
                }
                for (int i = eventsStart; i < context.Events.Count; i++) context.Events[i] = context.Events[i] with { Reverted = true };
                node.ClearChildren();
                context.UndidSubCallInPlace = true;
                return ChargeFailure(caller, node, limit, remaining, error);
            }
            if (_undo == SubCallUndo.OnDemand)
            {
                // The first failed sub-call of this top-level call: re-run it once, undoing in place.
                context.RerunInPlace = true;
                context.Rerun = true;
                throw UnwindSignal.Instance;
            }
            // Remember what the callee did, then undo everything by re-running the top-level call.
            // Failures known from earlier attempts with higher call numbers happened inside this
            // call (it ran past them): the re-run never reaches them, and their numbers would
            // short-circuit the calls that come after this one; so would the hook decisions made inside it.
            foreach (int inside in context.KnownFailures.Keys.Where(index => index > callIndex).ToArray())
                context.KnownFailures.Remove(inside);
            foreach (int inside in context.HookDecisions.Keys.Where(index => index > callIndex).ToArray())
                context.HookDecisions.Remove(inside);
            context.KnownFailures[callIndex] = new NestedFailure(
                error,
                context.Events.Skip(eventsStart).Select(ev => ev with { Reverted = true }).ToArray(),
                _debugLog.Skip(debugStart).ToArray(),
                checked((int)(context.FeedCount - feedsStart)));
            context.Rerun = true;
            throw UnwindSignal.Instance;
        }
    }

    /// <summary>What a failed sub-call leaves its caller: the whole limit charged, the node marked failed, a panic's message in the argument buffer, the error code.</summary>
    private int ChargeFailure(Frame caller, CallTree node, ulong limit, ulong remaining, ContractError error)
    {
        node.GasSpent = limit;
        node.Failed = true;
        caller.ChargedToChildren += limit;
        _runtime.Store.Fuel = remaining - limit;
        if (error.Kind == ContractErrorKind.Panic)
            caller.Contract.InstanceMemory!.TryWrite(caller.Contract.Code.ArgumentBuffer, ContractError.PanicPayload(error.Message));
        return error.CallCode;
    }
}
