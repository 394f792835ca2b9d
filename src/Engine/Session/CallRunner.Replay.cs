using Piecrust.Execution;

namespace Piecrust;

// Undoing a failed call: the checkpoint, and the successful calls since it, replayed after a revert.
internal sealed partial class CallRunner
{
    /// <summary>A successful top-level call since the last checkpoint, kept to be replayed after a failure.</summary>
    private sealed record LoggedCall(ContractState Target, string Function, byte[] Argument, ulong GasLimit, Dictionary<int, NestedFailure> Failures, byte[] Result,
        ContractId? RootCaller, Dictionary<int, string?> HookDecisions);

    private void RecordSuccess(CallContext context, LoggedCall call)
    {
        bool logged = false;
        foreach (var state in context.Touched)
        {
            state.Memory.AfterCall(state.InstanceMemory!);
            if (!state.Memory.NeedsCheckpoints) continue;
            _sinceCheckpoint.Add(state);
            logged = true;
        }
        if (logged) _replayLog.Add(call);
        _state.Changed();
        if (context.Touched.Any(s => s.Code.NeedsFreshInstance))
        {
            Checkpoint();
            foreach (var state in context.Touched.Where(s => s.Code.NeedsFreshInstance)) Abandon(state);
        }
        else if (_replayLog.Count >= ReplayLimit)
        {
            Checkpoint();
        }
    }

    /// <summary>The root of the current state, computed after a checkpoint (the root sees checkpointed memories only).</summary>
    public Hash CheckpointedRoot()
    {
        Checkpoint();
        return _state.ComputeRoot();
    }

    /// <summary>Takes every write since the last checkpoint into the contracts' memories; no replay is needed before this point any more.</summary>
    public void Checkpoint()
    {
        foreach (var state in _sinceCheckpoint) state.Memory.Checkpoint(state.InstanceMemory);
        _sinceCheckpoint.Clear();
        _replayLog.Clear();
    }

    /// <summary>
    /// Undoes everything since the last checkpoint (in place where the memory allows, else by
    /// dropping the instance), then replays the successful calls made since, so the session is
    /// exactly as before the failed call; then checkpoints, so a further failure replays nothing.
    /// </summary>
    /// <exception cref="ReplayDivergedException">A replayed call failed or gave another result.</exception>
    private void RevertToCheckpoint(IEnumerable<ContractState> touched)
    {
        foreach (var state in _sinceCheckpoint.Concat(touched).Distinct().ToArray())
        {
            if (state.Instance is null) continue;
            if (!state.Memory.TryRevert(state.InstanceMemory!)) Abandon(state);
        }
        _sinceCheckpoint.Clear();
        var calls = _replayLog.ToArray();
        _replayLog.Clear();
        foreach (var call in calls) Replay(call);
        Checkpoint();
    }

    private void Replay(LoggedCall call)
    {
        // A call whose failed sub-calls were undone in place recorded none: they fail again and are undone again.
        // No hook: the replay decides every inter-contract call as the logged run did (the hook may have changed since).
        var context = new CallContext(new Dictionary<int, NestedFailure>(call.Failures), feeder: null, feedsDelivered: 0, replaying: true)
        {
            InPlaceUndo = _undo != SubCallUndo.Reexecute,
            RootCaller = call.RootCaller,
            HookDecisions = new Dictionary<int, string?>(call.HookDecisions),
        };
        CallReceipt receipt;
        try
        {
            receipt = Execute(context, call.Target, call.Function, call.Argument, call.GasLimit);
        }
        catch (Exception e)
        {
            _broken = true;
            throw new ReplayDivergedException($"Replaying '{call.Function}' of {call.Target.Id} after a failed call diverged; host queries must be deterministic. The session can run no more calls: start a new one.", e);
        }
        if (context.Rerun || !receipt.Data.AsSpan().SequenceEqual(call.Result))
        {
            _broken = true;
            throw new ReplayDivergedException($"Replaying '{call.Function}' of {call.Target.Id} after a failed call gave another result; host queries must be deterministic. The session can run no more calls: start a new one.");
        }
        RecordSuccess(context, call);
    }
}
