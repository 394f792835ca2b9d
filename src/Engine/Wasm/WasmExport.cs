namespace Piecrust.Wasm;

/// <summary>An export: name, kind and index in that kind's index space.</summary>
internal sealed record WasmExport(string Name, WasmExternalKind Kind, uint Index);
