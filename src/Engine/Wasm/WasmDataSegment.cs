namespace Piecrust.Wasm;

/// <summary>
/// A data segment. For active ones, <see cref="MemoryIndex"/> and <see cref="Offset"/> say where it is copied;
/// <see cref="ConstantOffset"/> is that offset when it is a plain <c>i32.const</c>/<c>i64.const</c>
/// (i32 read as unsigned). The bytes are <see cref="Length"/> bytes at <see cref="DataOffset"/> in the module.
/// </summary>
internal sealed record WasmDataSegment(
    WasmSegmentMode Mode,
    uint MemoryIndex,
    WasmConstExpr? Offset,
    ulong? ConstantOffset,
    uint Length,
    int DataOffset);
