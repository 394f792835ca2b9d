using Piecrust.Execution;
using Piecrust.Memory;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust;

public sealed partial class Session
{
    private const string OutOfBoundsTrap = "The contract trapped: out-of-bounds memory access.";

    /// <summary>
    /// The host function that does <paramref name="import"/> (an operator the gas transform replaced)
    /// for code with a 64-bit (<paramref name="is64"/>) or 32-bit memory, bound in
    /// <paramref name="runtime"/>'s store: it works on the memory of the contract whose code runs (the
    /// top frame's) and consumes no fuel; the <c>call</c> that reaches it cost 1, as the operator does.
    /// </summary>
    internal static Function CreateBulkMemoryImport(WasmRuntime runtime, BulkMemoryImport import, bool is64)
    {
        var s = runtime.Store;
        var r = runtime;
        uint segment = import.Segment;
        return (import.Operation, is64) switch
        {
            (BulkMemoryOperation.MemoryCopy, false) => Function.FromCallback(s, (int d, int src, int n) => Check(r, BulkMemory.Copy(Running(r).Memory, (uint)d, (uint)src, (uint)n))),
            (BulkMemoryOperation.MemoryCopy, true) => Function.FromCallback(s, (long d, long src, long n) => Check(r, BulkMemory.Copy(Running(r).Memory, (ulong)d, (ulong)src, (ulong)n))),
            (BulkMemoryOperation.MemoryFill, false) => Function.FromCallback(s, (int d, int value, int n) => Check(r, BulkMemory.Fill(Running(r).Memory, (uint)d, (byte)value, (uint)n))),
            (BulkMemoryOperation.MemoryFill, true) => Function.FromCallback(s, (long d, int value, long n) => Check(r, BulkMemory.Fill(Running(r).Memory, (ulong)d, (byte)value, (ulong)n))),
            (BulkMemoryOperation.MemoryGrow, false) => Function.FromCallback(s, (int pages) => (int)BulkMemory.Grow(Running(r).Memory, (uint)pages)),
            (BulkMemoryOperation.MemoryGrow, true) => Function.FromCallback(s, (long pages) => BulkMemory.Grow(Running(r).Memory, (ulong)pages)),
            (BulkMemoryOperation.MemorySize, false) => Function.FromCallback(s, () => (int)BulkMemory.Size(Running(r).Memory)),
            (BulkMemoryOperation.MemorySize, true) => Function.FromCallback(s, () => (long)BulkMemory.Size(Running(r).Memory)),
            (BulkMemoryOperation.MemoryInit, false) => Function.FromCallback(s, (int d, int src, int n) => Init(r, segment, (uint)d, (uint)src, (uint)n)),
            (BulkMemoryOperation.MemoryInit, true) => Function.FromCallback(s, (long d, int src, int n) => Init(r, segment, (ulong)d, (uint)src, (uint)n)),
            (BulkMemoryOperation.DataDrop, _) => Function.FromCallback(s, () => Running(r).DropData(segment)),
            _ => throw new ArgumentOutOfRangeException(nameof(import)),
        };
    }

    /// <summary>The instance whose code is running: the top frame's (re-entrant frames of a contract share it).</summary>
    private static LiveInstance Running(WasmRuntime runtime) => runtime.Session!._call!.Top.Contract.Live!;

    private static void Init(WasmRuntime runtime, uint segment, ulong destination, uint source, uint length)
    {
        var live = Running(runtime);
        Check(runtime, BulkMemory.Init(live.Memory, live.PassiveData(segment), destination, source, length));
    }

    private static void Check(WasmRuntime runtime, bool inBounds)
    {
        if (!inBounds) throw Fail(runtime.Session!._call!, ContractErrorKind.Trap, OutOfBoundsTrap);
    }
}
