using Piecrust.Execution;

namespace Piecrust;

// Undoing a failed call: the checkpoint, and the successful calls since it, replayed after a revert.
internal sealed partial class CallRunner
{
    /// <summary>
    /// A successful top-level call since the last checkpoint, kept to be replayed after a failure, with
    /// the contracts it ran (<see cref="Touched"/>: what it read and changed, and all a replay needs).
    /// </summary>
    private sealed record LoggedCall(ContractState Target, string Function, byte[] Argument, ulong GasLimit, Dictionary<int, NestedFailure> Failures, byte[] Result,
        ContractId? RootCaller, Dictionary<int, string?> HookDecisions)
    {
        public ContractState[] Touched { get; init; } = [];
    }

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
        if (logged)
        {
            _replayLog.Add(call with { Touched = [.. context.Touched] });
            _replayBytes += call.Argument.Length + call.Result.Length;
        }
        _state.Changed();
        if (context.Touched.Any(s => s.Code.NeedsFreshInstance))
        {
            Checkpoint();
            foreach (var state in context.Touched.Where(s => s.Code.NeedsFreshInstance)) Abandon(state);
        }
        else if (_replayLog.Count >= ReplayLimit || _replayBytes >= ReplayBytesLimit)
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
        _replayBytes = 0;
    }

    /// <summary>
    /// Undoes what the failed attempt did: every contract it ran goes back to the last checkpoint (in
    /// place where the memory allows, else by dropping the instance), and so does every contract a
    /// call since the checkpoint ran together with one of those; the calls since that ran any of
    /// them are replayed in order, so the session is exactly as before the failed call. A call runs
    /// only the contracts it touches, so the calls and contracts left alone are unaffected: a failure
    /// costs the contracts it shares calls with, not all the session's recent ones. Then those
    /// contracts are checkpointed, so a further failure replays none of those calls again.
    /// </summary>
    /// <exception cref="ReplayDivergedException">A replayed call failed or gave another result.</exception>
    private void RevertToCheckpoint(IEnumerable<ContractState> touched)
    {
        var (reverted, replayed, kept) = SharingCalls(touched);
        foreach (var state in reverted)
        {
            _sinceCheckpoint.Remove(state);
            if (state.Instance is null) continue;
            if (!state.Memory.TryRevert(state.InstanceMemory!)) Abandon(state);
        }
        _replayLog.Clear();
        _replayLog.AddRange(kept);
        foreach (var call in replayed) Replay(call);
        CheckpointOnly(reverted);
    }

    /// <summary>
    /// The contracts a revert of <paramref name="touched"/> must take back to the checkpoint — those
    /// and every contract a logged call ran together with one of them, and so on — with the logged
    /// calls that ran any of them (to replay) and the others (to keep), each in log order. A walk over
    /// calls and contracts, each visited once: linear in the log, however the calls chain.
    /// </summary>
    private (HashSet<ContractState> Reverted, List<LoggedCall> Replayed, List<LoggedCall> Kept) SharingCalls(IEnumerable<ContractState> touched)
    {
        var callsOf = new Dictionary<ContractState, List<int>>();
        for (int i = 0; i < _replayLog.Count; i++)
            foreach (var state in _replayLog[i].Touched)
                (callsOf.TryGetValue(state, out var calls) ? calls : callsOf[state] = []).Add(i);
        var reverted = new HashSet<ContractState>(touched);
        var pending = new Stack<ContractState>(reverted);
        var sharing = new bool[_replayLog.Count];
        while (pending.TryPop(out var state))
        {
            if (!callsOf.TryGetValue(state, out var calls)) continue;
            foreach (int i in calls)
            {
                if (sharing[i]) continue;
                sharing[i] = true;
                foreach (var other in _replayLog[i].Touched)
                    if (reverted.Add(other)) pending.Push(other);
            }
        }
        var replayed = new List<LoggedCall>();
        var kept = new List<LoggedCall>();
        for (int i = 0; i < _replayLog.Count; i++) (sharing[i] ? replayed : kept).Add(_replayLog[i]);
        return (reverted, replayed, kept);
    }

    /// <summary>Checkpoints <paramref name="contracts"/> and forgets the logged calls that ran only those (no later failure needs them replayed).</summary>
    private void CheckpointOnly(HashSet<ContractState> contracts)
    {
        foreach (var state in contracts)
            if (_sinceCheckpoint.Remove(state)) state.Memory.Checkpoint(state.InstanceMemory);
        _replayLog.RemoveAll(call => RanOnly(call, contracts));
        _replayBytes = _replayLog.Sum(call => (long)call.Argument.Length + call.Result.Length);
    }

    // A loop, not Touched.All(contracts.Contains): that made a delegate per logged call, each failure (BlockBench).
    private static bool RanOnly(LoggedCall call, HashSet<ContractState> contracts)
    {
        foreach (var state in call.Touched)
            if (!contracts.Contains(state)) return false;
        return true;
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
