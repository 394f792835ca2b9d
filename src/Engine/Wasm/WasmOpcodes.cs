namespace Piecrust.Wasm;

/// <summary>
/// Instructions as one number: a one-byte opcode is its own value; a prefixed one is the prefix in
/// the top byte and its LEB128 sub-opcode below (e.g. <c>memory.copy</c>, 0xFC 10, is 0xFC00000A).
/// Only the opcodes the engine treats specially are named.
/// </summary>
internal static class WasmOpcodes
{
    public const uint End = 0x0B;
    public const uint Call = 0x10;
    public const uint Drop = 0x1A;
    public const uint LocalTee = 0x22;
    public const uint I32Store = 0x36;
    public const uint I64Store = 0x37;
    public const uint F32Store = 0x38;
    public const uint F64Store = 0x39;
    public const uint I32Store8 = 0x3A;
    public const uint I32Store16 = 0x3B;
    public const uint I64Store8 = 0x3C;
    public const uint I64Store16 = 0x3D;
    public const uint I64Store32 = 0x3E;
    public const uint MemorySize = 0x3F;
    public const uint MemoryGrow = 0x40;
    public const uint I32Const = 0x41;
    public const uint I32Eqz = 0x45;
    public const uint RefFunc = 0xD2;

    public const uint MemoryInit = 0xFC000000 | 8;
    public const uint DataDrop = 0xFC000000 | 9;
    public const uint MemoryCopy = 0xFC000000 | 10;
    public const uint MemoryFill = 0xFC000000 | 11;

    public const uint V128Store = 0xFD000000 | 0x0B;
    public const uint V128Store8Lane = 0xFD000000 | 0x58;
    public const uint V128Store16Lane = 0xFD000000 | 0x59;
    public const uint V128Store32Lane = 0xFD000000 | 0x5A;
    public const uint V128Store64Lane = 0xFD000000 | 0x5B;

    public static uint Misc(uint sub) => 0xFC000000 | sub;

    public static uint Simd(uint sub) => 0xFD000000 | sub;

    public static uint Atomic(uint sub) => 0xFE000000 | sub;
}
