namespace Piecrust.Wasm;

/// <summary>A table, imported or defined. <see cref="Init"/> is set only for tables with an explicit initializer.</summary>
internal sealed record WasmTable(WasmValueType ElementType, bool Is64, ulong Minimum, ulong? Maximum, bool IsImported, WasmConstExpr? Init)
{
    /// <summary>Reads a table type: reference type, then limits.</summary>
    internal static WasmTable ReadType(ref WasmReader reader, bool imported)
    {
        var elementType = WasmValueTypes.ReadReferenceType(ref reader, "table element type");
        int at = reader.Position;
        byte flags = reader.ReadByte("table limits flags");
        if ((flags & ~0x05) != 0)
        {
            throw new WasmFormatException($"unsupported table limits flags 0x{flags:X2}", at);
        }

        bool hasMax = (flags & 0x01) != 0;
        bool is64 = (flags & 0x04) != 0;
        ulong min = is64 ? reader.ReadU64("table minimum") : reader.ReadU32("table minimum");
        ulong? max = null;
        if (hasMax)
        {
            max = is64 ? reader.ReadU64("table maximum") : reader.ReadU32("table maximum");
        }

        return new WasmTable(elementType, is64, min, max, imported, null);
    }

    public override string ToString()
        => $"table {ElementType.Name()} min {Minimum} max {(Maximum?.ToString() ?? "none")}"
            + (Is64 ? " table64" : "") + (IsImported ? " imported" : "");
}
