using Piecrust.Memory;

namespace Piecrust.Execution;

/// <summary>
/// One contract as it was when a sub-call that reached it began: its memory (pages and length) and
/// its instance's globals and dropped data segments. Undoing a failed sub-call restores every mark it
/// holds, in place. A mark no frame holds any more is released (its page buffers are pooled).
/// </summary>
internal sealed class ContractMark
{
    private readonly LiveInstance _live;
    private readonly MemoryMark _memory;
    private readonly (object?[] Globals, uint[]? DroppedData) _instance;

    private ContractMark(LiveInstance live, MemoryMark memory, (object?[], uint[]?) instance)
    {
        _live = live;
        _memory = memory;
        _instance = instance;
    }

    /// <summary>Marks a contract whose instance is loaded (a frame is about to run it).</summary>
    public static ContractMark Take(ContractState state, List<ulong> scratch)
    {
        var live = state.Live ?? throw new InvalidOperationException("A contract is marked before its instance is loaded.");
        return new ContractMark(live, MemoryMark.Take(live.Memory, state.Memory.AnonymousOnly, scratch), live.SaveState());
    }

    /// <summary>Puts the contract back as it was at the mark.</summary>
    public void Restore(ContractState state, List<ulong> scratch)
    {
        // Instances are dropped or replaced only between top-level calls, never while one runs.
        if (!ReferenceEquals(state.Live, _live))
            throw new InvalidOperationException($"The instance of {state.Id} was replaced while a call that marked it was running.");
        _memory.Restore(_live.Memory, scratch);
        _live.RestoreState(_instance);
    }

    /// <summary>Gives the memory mark's buffers back once the mark is dropped (restored, or its sub-call's caller no longer needs it).</summary>
    public void Release() => _memory.Release();
}
