using Piecrust.Execution;

namespace Piecrust;

// Instances made ahead of any call, so a later session's first call finds them idle (VM.WarmUp).
internal sealed partial class CallRunner
{
    /// <summary>
    /// Makes a live instance of each contract, its memory showing the stored state, prepared for
    /// calls (<see cref="ContractState.PrepareForCalls"/>), so that when this runner ends they go back
    /// to the VM's runtime pool like those of any session. Stops at
    /// the first contract that would make the runtime too large to be kept for another session
    /// (<see cref="WasmRuntime.CanKeepAnother"/>) or that finds no address space: a warm-up only saves later
    /// sessions work, it must never take room from them, nor make instances the runtime then drops.
    /// </summary>
    /// <returns>How many of <paramref name="contracts"/> have an instance now, counted from the first.</returns>
    public int WarmUp(IReadOnlyList<ContractState> contracts)
    {
        int ready = 0;
        foreach (var state in contracts)
        {
            if (state.Instance is null)
            {
                if (!_runtime.CanKeepAnother(state.Code)) break;
                try
                {
                    Instantiate(state, fresh: false);
                    state.PrepareForCalls();
                }
                catch (EngineResourceException)
                {
                    break;
                }
            }
            ready++;
        }
        return ready;
    }
}
