namespace Piecrust.Wasm;

/// <summary>
/// A memory operator that <see cref="GasTransform"/> replaces by a call to a host function: the bulk-memory
/// ones (for their gas), and <c>memory.size</c> and <c>memory.grow</c> (the host keeps the memory's logical
/// length, see <see cref="Memory.LinearMemory"/>).
/// </summary>
internal enum BulkMemoryOperation : byte
{
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemorySize,
    MemoryInit,
    DataDrop,
}

/// <summary>
/// A host function import <see cref="GasTransform"/> adds to a module: it does <see cref="Operation"/>
/// (on data segment <see cref="Segment"/> for <c>memory.init</c> and <c>data.drop</c>, whose segment
/// is an immediate, not an operand) with the operator's exact semantics and no fuel of its own.
/// </summary>
internal readonly record struct BulkMemoryImport(BulkMemoryOperation Operation, uint Segment = 0)
{
    /// <summary>The import module name of every added import (not one a contract may import: only ABI names validate).</summary>
    public const string ModuleName = "piecrust:gas";

    /// <summary>The import's field name, e.g. <c>memory.copy</c> or <c>memory.init 3</c>.</summary>
    public string FieldName => Operation switch
    {
        BulkMemoryOperation.MemoryCopy => "memory.copy",
        BulkMemoryOperation.MemoryFill => "memory.fill",
        BulkMemoryOperation.MemoryGrow => "memory.grow",
        BulkMemoryOperation.MemorySize => "memory.size",
        BulkMemoryOperation.MemoryInit => $"memory.init {Segment}",
        _ => $"data.drop {Segment}",
    };

    /// <summary>The operator's stack signature for a memory indexed by i64 (<paramref name="is64"/>) or i32.</summary>
    public (WasmValueType[] Parameters, WasmValueType[] Results) Signature(bool is64)
    {
        var address = is64 ? WasmValueType.I64 : WasmValueType.I32;
        const WasmValueType I32 = WasmValueType.I32;
        return Operation switch
        {
            BulkMemoryOperation.MemoryCopy => ([address, address, address], []),
            BulkMemoryOperation.MemoryFill => ([address, I32, address], []),
            BulkMemoryOperation.MemoryGrow => ([address], [address]),
            BulkMemoryOperation.MemorySize => ([], [address]),
            BulkMemoryOperation.MemoryInit => ([address, I32, I32], []),
            _ => ([], []),
        };
    }

    /// <summary>Recognises an added import by its names.</summary>
    public static bool TryParse(string module, string field, out BulkMemoryImport import)
    {
        import = default;
        if (module != ModuleName) return false;
        switch (field)
        {
            case "memory.copy": import = new(BulkMemoryOperation.MemoryCopy); return true;
            case "memory.fill": import = new(BulkMemoryOperation.MemoryFill); return true;
            case "memory.grow": import = new(BulkMemoryOperation.MemoryGrow); return true;
            case "memory.size": import = new(BulkMemoryOperation.MemorySize); return true;
        }
        int space = field.IndexOf(' ');
        if (space < 0 || !uint.TryParse(field.AsSpan(space + 1), System.Globalization.NumberStyles.None, null, out uint segment)) return false;
        switch (field[..space])
        {
            case "memory.init": import = new(BulkMemoryOperation.MemoryInit, segment); return true;
            case "data.drop": import = new(BulkMemoryOperation.DataDrop, segment); return true;
            default: return false;
        }
    }
}
