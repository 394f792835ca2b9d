namespace Piecrust.Wasm;

/// <summary>What an import or export refers to, valued by its binary encoding.</summary>
internal enum WasmExternalKind : byte
{
    Function = 0,
    Table = 1,
    Memory = 2,
    Global = 3,
}
