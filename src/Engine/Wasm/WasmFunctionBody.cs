namespace Piecrust.Wasm;

/// <summary>
/// One defined function's body. <see cref="Offset"/>/<see cref="Length"/> cover the body after its size LEB;
/// <see cref="CodeOffset"/> is where the instructions start (after the locals).
/// <see cref="ControlInstructions"/> counts what <see cref="WasmCodeScanner.ScanBody"/> counts.
/// </summary>
internal sealed record WasmFunctionBody(
    uint FunctionIndex,
    uint TypeIndex,
    int Offset,
    int Length,
    int CodeOffset,
    ulong LocalCount,
    long ControlInstructions);
