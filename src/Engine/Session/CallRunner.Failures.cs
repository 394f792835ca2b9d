using Piecrust.Execution;
using Wasmtime;

namespace Piecrust;

// What the caller of a failed call is told: the contract's failure, classified.
internal sealed partial class CallRunner
{
    /// <summary>The exception a top-level call that failed in contract code ends with (taken before the revert resets the fuel).</summary>
    private CallFailedException ToCallFailed(Exception exception, CallContext context, ContractState target, ulong gasLimit)
    {
        var error = Classify(exception, context);
        var failure = error.ToException();
        failure.Contract = context.Frames.Count > 0 ? context.Top.Contract.Id : target.Id;
        failure.GasSpent = error.Kind == ContractErrorKind.OutOfGas ? gasLimit : gasLimit - _runtime.Store.Fuel;
        failure.Events = context.Events.Select(ev => ev with { Reverted = true }).ToArray();
        return failure;
    }

    /// <summary>Why a frame's call failed: no gas left means out of gas; else what a host function reported; else the trap.</summary>
    private ContractError Classify(Exception exception, CallContext context)
    {
        var pending = context.PendingError;
        context.PendingError = null;
        if (_runtime.Store.Fuel == 0) return new ContractError(ContractErrorKind.OutOfGas, "The call ran out of gas.");
        if (pending is not null) return pending;
        return exception switch
        {
            TrapException trap => new ContractError(ContractErrorKind.Trap, $"The contract trapped: {TrapDescription(trap.Type)}."),
            WasmtimeException wasm => new ContractError(ContractErrorKind.Trap, $"The contract trapped: {wasm.Message.Split('\n')[0]}"),
            _ => new ContractError(ContractErrorKind.Trap, $"The contract failed: {exception.Message}"),
        };
    }

    private static string TrapDescription(TrapCode code) => code switch
    {
        TrapCode.StackOverflow => "call stack exhausted",
        TrapCode.MemoryOutOfBounds => "out-of-bounds memory access",
        TrapCode.HeapMisaligned => "misaligned memory access",
        TrapCode.TableOutOfBounds => "out-of-bounds table access",
        TrapCode.IndirectCallToNull => "indirect call to a null function",
        TrapCode.BadSignature => "indirect call signature mismatch",
        TrapCode.IntegerOverflow => "integer overflow",
        TrapCode.IntegerDivisionByZero => "integer division by zero",
        TrapCode.BadConversionToInteger => "invalid conversion to integer",
        TrapCode.Unreachable => "unreachable instruction executed",
        _ => code.ToString(),
    };
}
