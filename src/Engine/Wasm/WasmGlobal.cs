namespace Piecrust.Wasm;

/// <summary>A global, imported (no <see cref="Init"/>) or defined (with its constant initializer).</summary>
internal sealed record WasmGlobal(WasmValueType Type, bool IsMutable, bool IsImported, WasmConstExpr? Init)
{
    /// <summary>Reads a global type: value type and mutability byte.</summary>
    internal static (WasmValueType Type, bool Mutable) ReadType(ref WasmReader reader)
    {
        var type = WasmValueTypes.Read(ref reader, "global type");
        int at = reader.Position;
        byte mut = reader.ReadByte("global mutability");
        if (mut > 1)
        {
            throw new WasmFormatException($"invalid global mutability byte 0x{mut:X2}", at);
        }

        return (type, mut == 1);
    }

    /// <summary>
    /// The integer initial value of a defined global initialized by a plain <c>i32.const</c> (sign-extended)
    /// or <c>i64.const</c>; false for anything else (imported, float, reference, global.get, extended).
    /// </summary>
    public bool TryGetInitInteger(out long value)
    {
        if (Init is { Kind: WasmConstExprKind.I32Const or WasmConstExprKind.I64Const } init)
        {
            value = init.Value;
            return true;
        }

        value = 0;
        return false;
    }

    public override string ToString()
        => $"{(IsMutable ? "mut " : "")}{Type.Name()}" + (IsImported ? " imported" : $" = {Init}");
}
