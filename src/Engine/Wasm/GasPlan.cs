namespace Piecrust.Wasm;

/// <summary>
/// What <see cref="GasTransform"/> adds to one module: the host imports that replace its bulk-memory
/// operators (appended after its own imports, so every defined function's index moves up by
/// <see cref="Added"/>), and which <c>data.drop</c>s must go to the host too (those of segments some
/// <c>memory.init</c> reads: the host keeps their dropped state).
/// </summary>
internal sealed class GasPlan
{
    private readonly Dictionary<BulkMemoryImport, uint> _functions = [];

    private readonly WasmModuleInfo _info;

    public int ParameterCount(uint typeIndex) => _info.Types[(int)typeIndex].Parameters.Count;

    private GasPlan(WasmModuleInfo info, uint importedFunctions, IReadOnlyList<BulkMemoryImport> imports)
    {
        _info = info;
        ImportedFunctions = importedFunctions;
        Imports = imports;
        for (int i = 0; i < imports.Count; i++)
        {
            _functions[imports[i]] = importedFunctions + (uint)i;
        }
    }

    /// <summary>The module's own function imports.</summary>
    public uint ImportedFunctions { get; }

    /// <summary>The added imports, in the order they are appended.</summary>
    public IReadOnlyList<BulkMemoryImport> Imports { get; }

    public uint Added => (uint)Imports.Count;

    /// <summary>A function index of the original module in the transformed one.</summary>
    public uint Remap(uint function) => function < ImportedFunctions ? function : checked(function + Added);

    /// <summary>Finds the bulk-memory operators in every body of <paramref name="info"/>.</summary>
    public static GasPlan For(ReadOnlySpan<byte> module, WasmModuleInfo info)
    {
        bool copy = false, fill = false, grow = false, size = false;
        var init = new SortedSet<uint>();
        var drop = new SortedSet<uint>();
        var scratch = new WasmScanState((uint)info.Types.Count, (uint)info.Globals.Count);
        foreach (var body in info.FunctionBodies)
        {
            var reader = new WasmReader(module);
            reader.Skip((uint)body.CodeOffset, "module");
            var code = reader.Slice((uint)(body.Offset + body.Length - body.CodeOffset), "function body");
            int depth = 0;
            bool last;
            do
            {
                int start = code.Position;
                last = WasmCodeScanner.ReadInstruction(ref code, scratch, ref depth, out uint opcode);
                switch (opcode)
                {
                    case WasmOpcodes.MemoryCopy: copy = true; break;
                    case WasmOpcodes.MemoryFill: fill = true; break;
                    case WasmOpcodes.MemoryGrow: grow = true; break;
                    case WasmOpcodes.MemorySize: size = true; break;
                    case WasmOpcodes.MemoryInit: init.Add(Segment(module[start..code.Position])); break;
                    case WasmOpcodes.DataDrop: drop.Add(Segment(module[start..code.Position])); break;
                }
            }
            while (!last);
        }

        var imports = new List<BulkMemoryImport>();
        if (copy) imports.Add(new(BulkMemoryOperation.MemoryCopy));
        if (fill) imports.Add(new(BulkMemoryOperation.MemoryFill));
        if (grow) imports.Add(new(BulkMemoryOperation.MemoryGrow));
        if (size) imports.Add(new(BulkMemoryOperation.MemorySize));
        foreach (uint segment in init) imports.Add(new(BulkMemoryOperation.MemoryInit, segment));
        foreach (uint segment in drop)
        {
            if (init.Contains(segment)) imports.Add(new(BulkMemoryOperation.DataDrop, segment));
        }

        return new GasPlan(info, (uint)info.ImportedFunctionCount, imports);
    }

    /// <summary>The function a replaced operator calls instead, or null when <paramref name="opcode"/> stays as it is.</summary>
    public uint? Replacement(uint opcode, ReadOnlySpan<byte> instruction)
    {
        var import = opcode switch
        {
            WasmOpcodes.MemoryCopy => new BulkMemoryImport(BulkMemoryOperation.MemoryCopy),
            WasmOpcodes.MemoryFill => new BulkMemoryImport(BulkMemoryOperation.MemoryFill),
            WasmOpcodes.MemoryGrow => new BulkMemoryImport(BulkMemoryOperation.MemoryGrow),
            WasmOpcodes.MemorySize => new BulkMemoryImport(BulkMemoryOperation.MemorySize),
            WasmOpcodes.MemoryInit => new BulkMemoryImport(BulkMemoryOperation.MemoryInit, Segment(instruction)),
            WasmOpcodes.DataDrop => new BulkMemoryImport(BulkMemoryOperation.DataDrop, Segment(instruction)),
            _ => (BulkMemoryImport?)null,
        };
        return import is { } key && _functions.TryGetValue(key, out uint function) ? function : null;
    }

    /// <summary>The data segment immediate of <c>memory.init</c> or <c>data.drop</c> (0xFC, sub-opcode, segment).</summary>
    private static uint Segment(ReadOnlySpan<byte> instruction)
    {
        var reader = new WasmReader(instruction);
        reader.ReadByte("prefix");
        reader.ReadU32("sub-opcode");
        return reader.ReadU32("data segment index");
    }
}
