namespace Piecrust.Execution;

/// <summary>Why a frame failed.</summary>
internal enum ContractErrorKind { Panic, OutOfGas, Trap }

/// <summary>A frame's failure, kept in the call's context because Wasmtime reports host-side failures as generic traps.</summary>
internal sealed record ContractError(ContractErrorKind Kind, string Message)
{
    /// <summary>The code the <c>c</c> import returns to a caller whose callee failed this way.</summary>
    public int CallCode => Kind switch
    {
        ContractErrorKind.Panic => -1,
        ContractErrorKind.OutOfGas => -2,
        _ => int.MinValue,
    };

    /// <summary>What a caller's argument buffer holds after its callee panicked with <paramref name="message"/>: [u32 length][UTF-8 message], cut to fit the buffer.</summary>
    public static byte[] PanicPayload(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message);
        int length = Math.Min(bytes.Length, CallLimits.MaxArgumentSize - 4);
        var payload = new byte[4 + length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)length);
        bytes.AsSpan(0, length).CopyTo(payload.AsSpan(4));
        return payload;
    }

    public CallFailedException ToException() => Kind switch
    {
        ContractErrorKind.Panic => new ContractPanicException(Message),
        ContractErrorKind.OutOfGas => new OutOfGasException(Message),
        _ => new ContractTrapException(Message),
    };
}

/// <summary>Thrown through WASM frames to unwind them; the reason is in the call context, never in this object.</summary>
internal sealed class UnwindSignal : Exception
{
    public static readonly UnwindSignal Instance = new();

    private UnwindSignal() : base("unwinding a contract call") { }
}
