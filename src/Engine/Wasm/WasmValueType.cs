namespace Piecrust.Wasm;

/// <summary>Value types, valued by their one-byte binary encoding.</summary>
internal enum WasmValueType : byte
{
    I32 = 0x7F,
    I64 = 0x7E,
    F32 = 0x7D,
    F64 = 0x7C,
    V128 = 0x7B,
    FuncRef = 0x70,
    ExternRef = 0x6F,
}

/// <summary>Decoding and naming of <see cref="WasmValueType"/>.</summary>
internal static class WasmValueTypes
{
    public static bool IsValueType(byte b) => b is 0x7F or 0x7E or 0x7D or 0x7C or 0x7B or 0x70 or 0x6F;

    public static bool IsReferenceType(WasmValueType t) => t is WasmValueType.FuncRef or WasmValueType.ExternRef;

    public static WasmValueType Read(ref WasmReader reader, string what)
    {
        int at = reader.Position;
        byte b = reader.ReadByte(what);
        if (!IsValueType(b))
        {
            throw new WasmFormatException($"unknown or unsupported value type 0x{b:X2} in {what}", at);
        }

        return (WasmValueType)b;
    }

    public static WasmValueType ReadReferenceType(ref WasmReader reader, string what)
    {
        int at = reader.Position;
        byte b = reader.ReadByte(what);
        if (b is not (0x70 or 0x6F))
        {
            throw new WasmFormatException($"unknown or unsupported reference type 0x{b:X2} in {what}", at);
        }

        return (WasmValueType)b;
    }

    public static string Name(this WasmValueType t) => t switch
    {
        WasmValueType.I32 => "i32",
        WasmValueType.I64 => "i64",
        WasmValueType.F32 => "f32",
        WasmValueType.F64 => "f64",
        WasmValueType.V128 => "v128",
        WasmValueType.FuncRef => "funcref",
        WasmValueType.ExternRef => "externref",
        _ => $"0x{(byte)t:X2}",
    };
}
