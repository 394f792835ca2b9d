namespace Piecrust.Wasm;

/// <summary>
/// One defined function's body. <see cref="Offset"/>/<see cref="Length"/> cover the body after its size LEB;
/// <see cref="CodeOffset"/> is where the instructions start (after the locals).
/// </summary>
internal sealed record WasmFunctionBody(
    uint FunctionIndex,
    uint TypeIndex,
    int Offset,
    int Length,
    int CodeOffset,
    ulong LocalCount);
