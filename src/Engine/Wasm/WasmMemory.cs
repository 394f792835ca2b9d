namespace Piecrust.Wasm;

/// <summary>A linear memory, imported or defined. Sizes are in 64 KiB pages.</summary>
internal sealed record WasmMemory(bool Is64, ulong Minimum, ulong? Maximum, bool IsShared, bool IsImported)
{
    public const int PageSize = 65536;

    /// <summary>Reads memory limits (flags byte, then u32 or u64 LEB bounds).</summary>
    internal static WasmMemory Read(ref WasmReader reader, bool imported)
    {
        int at = reader.Position;
        byte flags = reader.ReadByte("memory limits flags");
        if ((flags & ~0x07) != 0)
        {
            // Bit 3 is custom-page-sizes; anything higher is unknown.
            throw new WasmFormatException($"unsupported memory limits flags 0x{flags:X2}", at);
        }

        bool hasMax = (flags & 0x01) != 0;
        bool shared = (flags & 0x02) != 0;
        bool is64 = (flags & 0x04) != 0;
        ulong min = is64 ? reader.ReadU64("memory minimum") : reader.ReadU32("memory minimum");
        ulong? max = null;
        if (hasMax)
        {
            max = is64 ? reader.ReadU64("memory maximum") : reader.ReadU32("memory maximum");
        }

        return new WasmMemory(is64, min, max, shared, imported);
    }

    public override string ToString()
        => $"{(Is64 ? "memory64" : "memory32")} min {Minimum} max {(Maximum?.ToString() ?? "none")}"
            + (IsShared ? " shared" : "") + (IsImported ? " imported" : "");
}
