namespace Piecrust.Wasm;

/// <summary>
/// The bytes are not a WebAssembly module this reader understands: truncated, corrupt, or using an
/// encoding it does not support. The only exception the reader throws for bad input.
/// </summary>
internal sealed class WasmFormatException : Exception
{
    public WasmFormatException(string reason, long offset)
        : base($"Malformed WebAssembly module: {reason} (at byte offset {offset}, 0x{offset:X}).")
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>What is wrong, without the offset.</summary>
    public string Reason { get; }

    /// <summary>Offset in the module bytes where the problem was found.</summary>
    public long Offset { get; }
}
