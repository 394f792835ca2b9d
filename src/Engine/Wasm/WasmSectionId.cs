namespace Piecrust.Wasm;

/// <summary>Section ids as encoded in the binary format.</summary>
internal enum WasmSectionId : byte
{
    Custom = 0,
    Type = 1,
    Import = 2,
    Function = 3,
    Table = 4,
    Memory = 5,
    Global = 6,
    Export = 7,
    Start = 8,
    Element = 9,
    Code = 10,
    Data = 11,
    DataCount = 12,
}

/// <summary>Where each non-custom section must appear relative to the others.</summary>
internal static class WasmSectionOrder
{
    /// <summary>
    /// Position of a known non-custom section in the required order (datacount sits between element
    /// and code, so ids are not themselves in order); -1 for custom or unknown ids.
    /// </summary>
    public static int Rank(WasmSectionId id) => id switch
    {
        WasmSectionId.Type => 1,
        WasmSectionId.Import => 2,
        WasmSectionId.Function => 3,
        WasmSectionId.Table => 4,
        WasmSectionId.Memory => 5,
        WasmSectionId.Global => 6,
        WasmSectionId.Export => 7,
        WasmSectionId.Start => 8,
        WasmSectionId.Element => 9,
        WasmSectionId.DataCount => 10,
        WasmSectionId.Code => 11,
        WasmSectionId.Data => 12,
        _ => -1,
    };
}
