using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Execution;

// The host functions the gas transform added in place of the bulk-memory operators.
internal sealed partial class HostImports
{
    private const string OutOfBoundsTrap = "The contract trapped: out-of-bounds memory access.";

    /// <summary>
    /// The host function that does <paramref name="import"/> (an operator the gas transform replaced)
    /// for code with a 64-bit (<paramref name="is64"/>) or 32-bit memory, bound in the runtime's store:
    /// it works on the memory of the contract whose code runs (the top frame's) and consumes no fuel;
    /// the <c>call</c> that reaches it cost 1, as the operator does.
    /// </summary>
    public Function BindBulkMemory(BulkMemoryImport import, bool is64)
    {
        var s = store;
        uint segment = import.Segment;
        return (import.Operation, is64) switch
        {
            (BulkMemoryOperation.MemoryCopy, false) => Function.FromCallback(s, (int d, int src, int n) => CheckBounds(BulkMemory.Copy(RunningInstance.Memory, (uint)d, (uint)src, (uint)n))),
            (BulkMemoryOperation.MemoryCopy, true) => Function.FromCallback(s, (long d, long src, long n) => CheckBounds(BulkMemory.Copy(RunningInstance.Memory, (ulong)d, (ulong)src, (ulong)n))),
            (BulkMemoryOperation.MemoryFill, false) => Function.FromCallback(s, (int d, int value, int n) => CheckBounds(BulkMemory.Fill(RunningInstance.Memory, (uint)d, (byte)value, (uint)n))),
            (BulkMemoryOperation.MemoryFill, true) => Function.FromCallback(s, (long d, int value, long n) => CheckBounds(BulkMemory.Fill(RunningInstance.Memory, (ulong)d, (byte)value, (ulong)n))),
            (BulkMemoryOperation.MemoryGrow, false) => Function.FromCallback(s, (int pages) => (int)BulkMemory.Grow(RunningInstance.Memory, (uint)pages)),
            (BulkMemoryOperation.MemoryGrow, true) => Function.FromCallback(s, (long pages) => BulkMemory.Grow(RunningInstance.Memory, (ulong)pages)),
            (BulkMemoryOperation.MemorySize, false) => Function.FromCallback(s, () => (int)BulkMemory.Size(RunningInstance.Memory)),
            (BulkMemoryOperation.MemorySize, true) => Function.FromCallback(s, () => (long)BulkMemory.Size(RunningInstance.Memory)),
            (BulkMemoryOperation.MemoryInit, false) => Function.FromCallback(s, (int d, int src, int n) => MemoryInit(segment, (uint)d, (uint)src, (uint)n)),
            (BulkMemoryOperation.MemoryInit, true) => Function.FromCallback(s, (long d, int src, int n) => MemoryInit(segment, (ulong)d, (uint)src, (uint)n)),
            (BulkMemoryOperation.DataDrop, _) => Function.FromCallback(s, () => RunningInstance.DropData(segment)),
            _ => throw new ArgumentOutOfRangeException(nameof(import)),
        };
    }

    /// <summary>The instance whose code is running: the top frame's (re-entrant frames of a contract share it).</summary>
    private LiveInstance RunningInstance => Running.Context.Top.Contract.Live!;

    private void MemoryInit(uint segment, ulong destination, uint source, uint length)
    {
        var live = RunningInstance;
        CheckBounds(BulkMemory.Init(live.Memory, live.PassiveData(segment), destination, source, length));
    }

    private void CheckBounds(bool inBounds)
    {
        if (!inBounds) throw Running.Context.Fail(ContractErrorKind.Trap, OutOfBoundsTrap);
    }
}
