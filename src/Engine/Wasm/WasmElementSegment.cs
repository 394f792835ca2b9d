namespace Piecrust.Wasm;

/// <summary>
/// An element segment. <see cref="Offset"/> and <see cref="TableIndex"/> matter only when active;
/// <see cref="UsesExpressions"/> tells whether the items are constant expressions rather than function indices.
/// </summary>
internal sealed record WasmElementSegment(
    WasmSegmentMode Mode,
    uint TableIndex,
    WasmConstExpr? Offset,
    WasmValueType ElementType,
    uint Count,
    bool UsesExpressions);
