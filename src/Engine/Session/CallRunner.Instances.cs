using Piecrust.Execution;
using Piecrust.Memory;

namespace Piecrust;

// The contracts' live instances: made or taken over from the runtime, dropped, handed back.
internal sealed partial class CallRunner
{
    private void Instantiate(ContractState state, bool fresh)
    {
        // A committed state may go into an idle instance an earlier session left (memory all zeros,
        // or showing the state's image): after LoadInto it shows exactly what a new instance would,
        // and globals are reset per call.
        var idle = fresh ? null : _runtime.TakeIdle(state.Code, state.Memory.Length, state.Memory.BaseImage);
        state.Attach(idle ?? NewInstance(state.Code));
        if (fresh) return;
        try
        {
            state.Memory.LoadInto(state.InstanceMemory!, idle?.Prior ?? PriorContent.DataSegments);
        }
        catch
        {
            // Half loaded (e.g. the memory could not grow to its stored length): no call may run on it.
            if (state.Detach() is { } live) _runtime.Release(live, reusable: false, shows: null);
            throw;
        }
    }

    /// <summary>The first instance of a contract being deployed (no call runs): when address space is short, in a fresh runtime.</summary>
    private void InstantiateNew(ContractState state)
    {
        try
        {
            Instantiate(state, fresh: true);
        }
        catch (EngineResourceException) when (_runtime.HoldsAddressSpace)
        {
            RenewRuntime(); // the instances this session holds go with their runtime; those it uses are made again
            Instantiate(state, fresh: true);
        }
    }

    /// <summary>
    /// A new instance; when the process's address space is short and this session's runtime holds
    /// some, the running call is marked to be reverted and re-run in a fresh runtime (which makes
    /// only the instances that call uses), rather than failing at once.
    /// </summary>
    /// <exception cref="EngineResourceException">No address space for the instance.</exception>
    private LiveInstance NewInstance(Modules.CompiledContract code)
    {
        try
        {
            return _runtime.Instantiate(code);
        }
        catch (EngineResourceException) when (_call is { MayRenewForSpace: true } context && _runtime.HoldsAddressSpace)
        {
            context.RenewForSpace = true;
            throw;
        }
    }

    /// <summary>Drops a contract's instance and its pending writes (the contract leaves the state or gets new code); its writes since the checkpoint are not taken in.</summary>
    public void Forget(ContractState state)
    {
        _sinceCheckpoint.Remove(state);
        Abandon(state);
    }

    /// <summary>Drops a contract's instance (after its writes were reverted or checkpointed); the runtime clears it for reuse when it can.</summary>
    private void Abandon(ContractState state)
    {
        if (state.Detach() is { } live) Release(state, live);
    }

    /// <summary>Hands an instance the session is done with back to the runtime, its image kept when the memory allows.</summary>
    /// <param name="state">The contract.</param>
    /// <param name="live">Its instance.</param>
    /// <param name="writtenSinceCheckpoint">False only when no call ran the contract since its memory's last checkpoint.</param>
    private void Release(ContractState state, LiveInstance live, bool writtenSinceCheckpoint = true)
    {
        bool reusable = !state.Code.NeedsFreshInstance;
        IdleView? view = null;
        var shows = reusable ? state.Memory.TryRestoreBaseImage(live.Memory, writtenSinceCheckpoint, out view) : null;
        _runtime.Release(live, reusable, shows, view);
    }

    private void RenewRuntime()
    {
        foreach (var state in _state.Contracts) state.Detach();
        _runtime.Dispose();
        _runtime = _vm.Runtimes.Rent(this);
    }

    /// <summary>
    /// Ends the runner: every instance goes back to the runtime (memories cleared) and every
    /// contract's memory is dropped, then the runtime goes back to the VM for the next session; a
    /// runtime with an instance that cannot be cleared goes with its store.
    /// </summary>
    public void Dispose()
    {
        bool cleared = true;
        foreach (var state in _state.Contracts)
        {
            var detached = state.Detach();
            if (detached is not null) _vm.Recent.Touch(state.Id);
            if (detached is { } live && cleared)
            {
                try
                {
                    // A contract is in _sinceCheckpoint from its first successful call after a checkpoint
                    // on; a failed call reverts its memory to the checkpoint or drops the instance.
                    Release(state, live, writtenSinceCheckpoint: _sinceCheckpoint.Contains(state));
                }
                catch (Exception e) when (e is EngineResourceException or InvalidOperationException)
                {
                    cleared = false;
                }
            }
            state.Memory.Dispose();
        }
        if (cleared) _vm.Runtimes.Return(_runtime);
        else _runtime.Dispose();
    }
}
