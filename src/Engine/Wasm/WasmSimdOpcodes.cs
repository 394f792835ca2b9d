namespace Piecrust.Wasm;

/// <summary>
/// Immediate layout of every 0xFD (SIMD) sub-opcode, from the final SIMD opcode table plus relaxed SIMD
/// (0x100-0x113). Gaps in the table are reserved opcodes and rejected as unknown.
/// </summary>
internal static class WasmSimdOpcodes
{
    public enum Immediate : byte
    {
        Unknown = 0,
        None,
        MemArg,
        MemArgLane,
        Lane,
        Bytes16,
    }

    private static readonly Immediate[] _table = BuildTable();

    public static Immediate Lookup(uint subOpcode)
        => subOpcode < (uint)_table.Length ? _table[subOpcode] : Immediate.Unknown;

    private static Immediate[] BuildTable()
    {
        var t = new Immediate[0x114];
        Fill(t, 0x00, 0x0B, Immediate.MemArg);      // v128.load*, load*_splat, v128.store
        Fill(t, 0x0C, 0x0D, Immediate.Bytes16);     // v128.const, i8x16.shuffle
        Fill(t, 0x0E, 0x14, Immediate.None);        // swizzle, splats
        Fill(t, 0x15, 0x22, Immediate.Lane);        // extract_lane / replace_lane
        Fill(t, 0x23, 0x53, Immediate.None);        // comparisons, v128 bitwise, any_true
        Fill(t, 0x54, 0x5B, Immediate.MemArgLane);  // load*_lane / store*_lane
        Fill(t, 0x5C, 0x5D, Immediate.MemArg);      // load32_zero / load64_zero
        Fill(t, 0x5E, 0xFF, Immediate.None);        // arithmetic, conversions
        foreach (int reserved in new[]
                 {
                     0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB,
                     0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2, 0xD3, 0xD4, 0xE2, 0xEE,
                 })
        {
            t[reserved] = Immediate.Unknown;
        }

        Fill(t, 0x100, 0x113, Immediate.None);      // relaxed SIMD
        return t;
    }

    private static void Fill(Immediate[] t, int first, int last, Immediate kind)
    {
        for (int i = first; i <= last; i++)
        {
            t[i] = kind;
        }
    }
}
