namespace Piecrust.Wasm;

/// <summary>
/// An import. <see cref="Index"/> is its index in the index space of its kind (imports come first).
/// Exactly one of <see cref="FunctionType"/> (with <see cref="TypeIndex"/>), <see cref="Table"/>,
/// <see cref="Memory"/> or <see cref="Global"/> is set, by <see cref="Kind"/>.
/// </summary>
internal sealed record WasmImport(
    string Module,
    string Name,
    WasmExternalKind Kind,
    uint Index,
    uint? TypeIndex,
    WasmFunctionType? FunctionType,
    WasmTable? Table,
    WasmMemory? Memory,
    WasmGlobal? Global)
{
    public override string ToString()
    {
        string what = Kind switch
        {
            WasmExternalKind.Function => $"func {FunctionType}",
            WasmExternalKind.Table => Table!.ToString(),
            WasmExternalKind.Memory => Memory!.ToString(),
            _ => $"global {Global}",
        };
        return $"{Module}.{Name}: {what}";
    }
}
