using System.Buffers.Binary;
using System.Text;
using Piecrust.Execution;

namespace Piecrust;

// Inter-contract calls (the runner's side of the c import). A failed callee is undone by re-execution:
// the top-level call is reverted and re-run with that call short-circuited to its recorded outcome.
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
            return ReplayFailure(context, caller, node, limit, remaining, failure);

        var argument = new byte[argLength];
        caller.Contract.InstanceMemory!.Read(caller.Contract.Code.ArgumentBuffer, argument);
        int eventsStart = context.Events.Count, debugStart = _debugLog.Count, feedsStart = context.Feeds.Count;
        var frame = new Frame(callee, limit, node);
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
            if (!caller.Contract.InstanceMemory!.TryWrite(caller.Contract.Code.ArgumentBuffer, result))
                throw context.Fail(ContractErrorKind.Trap, "the caller's argument buffer lies outside its current memory");
            return result.Length;
        }
        catch (Exception e) when (!context.Unwinding && context.IsContractFailure(e))
        {
            // The callee failed: remember what it did, then undo everything by re-running the top-level call.
            context.Frames.RemoveRange(depth, context.Frames.Count - depth);
            var error = Classify(e, context);
            context.KnownFailures[callIndex] = new NestedFailure(
                error,
                context.Events.Skip(eventsStart).Select(ev => ev with { Reverted = true }).ToArray(),
                _debugLog.Skip(debugStart).ToArray(),
                context.Feeds.Skip(feedsStart).ToArray());
            context.Rerun = true;
            throw UnwindSignal.Instance;
        }
    }

    /// <summary>A sub-call known to fail: its visible effects and charge, without running it.</summary>
    private int ReplayFailure(CallContext context, Frame caller, CallTree node, ulong limit, ulong remaining, NestedFailure failure)
    {
        context.Events.AddRange(failure.Events);
        foreach (var line in failure.DebugLines) AddDebugLine(context, line);
        foreach (var item in failure.Feeds) context.Feed(item);
        node.GasSpent = limit;
        node.Failed = true;
        caller.ChargedToChildren += limit;
        _runtime.Store.Fuel = remaining - limit;
        if (failure.Error.Kind == ContractErrorKind.Panic)
        {
            var message = Encoding.UTF8.GetBytes(failure.Error.Message);
            int length = Math.Min(message.Length, CallLimits.MaxArgumentSize - 4);
            var payload = new byte[4 + length];
            BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)length);
            message.AsSpan(0, length).CopyTo(payload.AsSpan(4));
            caller.Contract.InstanceMemory!.TryWrite(caller.Contract.Code.ArgumentBuffer, payload);
        }
        return failure.Error.CallCode;
    }
}
