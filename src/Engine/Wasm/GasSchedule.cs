namespace Piecrust.Wasm;

/// <summary>
/// The gas schedule of piecrust 0.32 (piecrust/src/vm.rs <c>config()</c>, BYTE_STORE_COST = 4): every
/// operator costs what Wasmtime's default fuel table charges (0 for <c>nop</c>, <c>drop</c>, <c>block</c>,
/// <c>loop</c>, <c>unreachable</c>, <c>return</c>, <c>else</c>, <c>end</c>; 1 for the rest, and 1 on
/// entering a function), except stores, which cost 4 gas per byte of their width class, and the
/// bulk-memory operators, which cost a flat 1 whatever their length. Wasmtime here has no per-operator
/// cost setting and charges bulk operators per byte, so <see cref="GasTransform"/> rewrites the code it
/// compiles to get exactly these costs.
/// </summary>
internal static class GasSchedule
{
    /// <summary>
    /// Changes whenever the gas of any compiled code changes: part of the compiled-module cache key,
    /// so a module compiled under another schedule is never reused.
    /// </summary>
    public const string Version = "piecrust-0.32-stores-4-per-byte-bulk-flat/1";

    /// <summary>Gas per byte stored (piecrust's BYTE_STORE_COST).</summary>
    public const int ByteStoreCost = 4;

    /// <summary>
    /// The gas <paramref name="opcode"/> costs beyond Wasmtime's default of 1: 15, 31 or 63 for the
    /// stores of the 4-, 8- and 16-byte classes (16, 32, 64 in all), 0 for every other operator.
    /// </summary>
    public static int ExtraStoreCost(uint opcode) => StoreWidthClass(opcode) switch
    {
        0 => 0,
        var bytes => bytes * ByteStoreCost - 1,
    };

    /// <summary>The byte width class of a store (4, 8 or 16), as piecrust prices it; 0 for any other operator.</summary>
    public static int StoreWidthClass(uint opcode) => opcode switch
    {
        WasmOpcodes.I32Store or WasmOpcodes.F32Store or WasmOpcodes.I32Store8 or WasmOpcodes.I32Store16 => 4,
        WasmOpcodes.I64Store or WasmOpcodes.F64Store or WasmOpcodes.I64Store8 or WasmOpcodes.I64Store16 or WasmOpcodes.I64Store32 => 8,
        WasmOpcodes.V128Store or WasmOpcodes.V128Store8Lane or WasmOpcodes.V128Store16Lane
            or WasmOpcodes.V128Store32Lane or WasmOpcodes.V128Store64Lane => 16,
        // Atomic stores (threads are off, so no contract has them; priced as piecrust does all the same).
        0xFE000017 or 0xFE000019 or 0xFE00001A => 4,
        0xFE000018 or 0xFE00001B or 0xFE00001C or 0xFE00001D => 8,
        _ => 0,
    };
}
