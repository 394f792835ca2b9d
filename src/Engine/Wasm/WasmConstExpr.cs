using System.Buffers.Binary;

namespace Piecrust.Wasm;

/// <summary>Which single instruction a constant expression consists of.</summary>
internal enum WasmConstExprKind
{
    I32Const,
    I64Const,
    F32Const,
    F64Const,
    V128Const,
    RefNull,
    RefFunc,
    GlobalGet,

    /// <summary>Several instructions (extended-const arithmetic); not evaluated here.</summary>
    Extended,
}

/// <summary>
/// A decoded constant expression (global initializer, segment offset, element item).
/// <see cref="Value"/> holds the i32 (sign-extended) or i64 constant, or the raw bits of an f32/f64;
/// <see cref="Index"/> the function of <c>ref.func</c> or the global of <c>global.get</c>;
/// <see cref="RefType"/> the type of <c>ref.null</c>. <see cref="Offset"/>/<see cref="Length"/> locate
/// the expression bytes (including its <c>end</c>) in the module.
/// </summary>
internal sealed record WasmConstExpr(
    WasmConstExprKind Kind,
    long Value,
    uint Index,
    WasmValueType RefType,
    UInt128 V128,
    int Offset,
    int Length)
{
    // Instructions a constant expression may hold; more than one means extended-const.
    internal static WasmConstExpr Read(ref WasmReader reader, string what)
    {
        int start = reader.Position;
        int count = 0;
        var kind = WasmConstExprKind.Extended;
        long value = 0;
        uint index = 0;
        var refType = WasmValueType.FuncRef;
        UInt128 v128 = 0;
        while (true)
        {
            int at = reader.Position;
            byte op = reader.ReadByte(what);
            if (op == 0x0B)
            {
                break;
            }

            count++;
            switch (op)
            {
                case 0x41:
                    kind = WasmConstExprKind.I32Const;
                    value = reader.ReadS32("i32.const immediate");
                    break;
                case 0x42:
                    kind = WasmConstExprKind.I64Const;
                    value = reader.ReadS64("i64.const immediate");
                    break;
                case 0x43:
                    kind = WasmConstExprKind.F32Const;
                    value = BinaryPrimitives.ReadUInt32LittleEndian(reader.ReadBytes(4, "f32.const immediate"));
                    break;
                case 0x44:
                    kind = WasmConstExprKind.F64Const;
                    value = BinaryPrimitives.ReadInt64LittleEndian(reader.ReadBytes(8, "f64.const immediate"));
                    break;
                case 0xD0:
                    kind = WasmConstExprKind.RefNull;
                    refType = WasmValueTypes.ReadReferenceType(ref reader, "ref.null heap type");
                    break;
                case 0xD2:
                    kind = WasmConstExprKind.RefFunc;
                    index = reader.ReadU32("ref.func function index");
                    break;
                case 0x23:
                    kind = WasmConstExprKind.GlobalGet;
                    index = reader.ReadU32("global.get global index");
                    break;
                case 0x6A or 0x6B or 0x6C or 0x7C or 0x7D or 0x7E:
                    // i32/i64 add, sub, mul (extended-const).
                    kind = WasmConstExprKind.Extended;
                    break;
                case 0xFD:
                {
                    uint sub = reader.ReadU32("SIMD opcode");
                    if (sub != 12)
                    {
                        throw new WasmFormatException($"instruction 0xFD {sub} is not allowed in {what}", at);
                    }

                    kind = WasmConstExprKind.V128Const;
                    v128 = BinaryPrimitives.ReadUInt128LittleEndian(reader.ReadBytes(16, "v128.const immediate"));
                    break;
                }

                default:
                    throw new WasmFormatException($"instruction 0x{op:X2} is not allowed in {what}", at);
            }
        }

        if (count == 0)
        {
            throw new WasmFormatException($"{what} is empty", start);
        }

        if (count > 1)
        {
            kind = WasmConstExprKind.Extended;
        }

        return new WasmConstExpr(kind, value, index, refType, v128, start, reader.Position - start);
    }

    /// <summary>The unsigned offset of an active segment: i32 constants are read as u32, i64 as u64.</summary>
    public ulong? AsUnsignedOffset() => Kind switch
    {
        WasmConstExprKind.I32Const => (uint)(int)Value,
        WasmConstExprKind.I64Const => (ulong)Value,
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        WasmConstExprKind.I32Const => $"i32.const {(int)Value}",
        WasmConstExprKind.I64Const => $"i64.const {Value}",
        WasmConstExprKind.F32Const => $"f32.const {BitConverter.Int32BitsToSingle((int)Value)}",
        WasmConstExprKind.F64Const => $"f64.const {BitConverter.Int64BitsToDouble(Value)}",
        WasmConstExprKind.V128Const => $"v128.const 0x{V128:X32}",
        WasmConstExprKind.RefNull => $"ref.null {RefType.Name()}",
        WasmConstExprKind.RefFunc => $"ref.func {Index}",
        WasmConstExprKind.GlobalGet => $"global.get {Index}",
        _ => "(extended constant expression)",
    };
}
