namespace Piecrust.Wasm;

/// <summary>
/// What a WebAssembly module declares, read from its bytes without compiling it: types, imports, the
/// function/table/memory/global index spaces, exports, start, segments, and a scan of all code for
/// instructions that mutate instance state. Reading checks the binary structure (section order and
/// boundaries, LEB128 ranges, vector lengths, opcodes and immediates) and throws
/// <see cref="WasmFormatException"/> for anything else; it does not type-check (the engine's validator does).
/// </summary>
internal sealed class WasmModuleInfo
{
    private static ReadOnlySpan<byte> Magic => [0x00, 0x61, 0x73, 0x6D];

    private readonly List<WasmSection> _sections = [];
    private readonly List<WasmCustomSection> _customSections = [];
    private readonly List<WasmFunctionType> _types = [];
    private readonly List<WasmImport> _imports = [];
    private readonly List<uint> _functionTypeIndices = [];
    private readonly List<WasmTable> _tables = [];
    private readonly List<WasmMemory> _memories = [];
    private readonly List<WasmGlobal> _globals = [];
    private readonly List<WasmExport> _exports = [];
    private readonly List<WasmElementSegment> _elementSegments = [];
    private readonly List<WasmDataSegment> _dataSegments = [];
    private readonly List<WasmFunctionBody> _functionBodies = [];
    private HashSet<uint> _globalsWritten = [];
    private uint? _definedFunctionCount;

    private WasmModuleInfo()
    {
    }

    /// <summary>All sections in file order (custom ones included).</summary>
    public IReadOnlyList<WasmSection> Sections => _sections;

    public IReadOnlyList<WasmCustomSection> CustomSections => _customSections;

    public IReadOnlyList<WasmFunctionType> Types => _types;

    public IReadOnlyList<WasmImport> Imports => _imports;

    /// <summary>Type index of every function: imported functions first, then defined ones.</summary>
    public IReadOnlyList<uint> FunctionTypeIndices => _functionTypeIndices;

    public int ImportedFunctionCount { get; private set; }

    /// <summary>Tables: imported first, then defined.</summary>
    public IReadOnlyList<WasmTable> Tables => _tables;

    /// <summary>Memories: imported first, then defined.</summary>
    public IReadOnlyList<WasmMemory> Memories => _memories;

    /// <summary>Globals: imported first, then defined.</summary>
    public IReadOnlyList<WasmGlobal> Globals => _globals;

    public IReadOnlyList<WasmExport> Exports => _exports;

    public uint? StartFunction { get; private set; }

    public IReadOnlyList<WasmElementSegment> ElementSegments => _elementSegments;

    public IReadOnlyList<WasmDataSegment> DataSegments => _dataSegments;

    /// <summary>The datacount section's value, when the module has one.</summary>
    public uint? DataCount { get; private set; }

    /// <summary>Bodies of the defined functions, in order.</summary>
    public IReadOnlyList<WasmFunctionBody> FunctionBodies => _functionBodies;

    /// <summary>Control instructions of all bodies together (see <see cref="WasmCodeScanner.ScanBody"/>).</summary>
    public long ControlInstructions { get; private set; }

    /// <summary>State-mutating instruction kinds found anywhere in the code.</summary>
    public WasmStateOps StateOps { get; private set; }

    /// <summary>Indices of all globals that some <c>global.set</c> writes.</summary>
    public IReadOnlySet<uint> GlobalsWritten => _globalsWritten;

    /// <summary>Some code changes a table or drops an element segment (table.set/grow/fill/copy/init, elem.drop).</summary>
    public bool MutatesTables => (StateOps & WasmStateOps.TableMutations) != 0;

    /// <summary>Some code uses passive data (memory.init or data.drop).</summary>
    public bool UsesPassiveData => (StateOps & WasmStateOps.PassiveData) != 0;

    public WasmFunctionType GetFunctionType(uint functionIndex)
    {
        if (functionIndex >= (uint)_functionTypeIndices.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(functionIndex), functionIndex, $"The module has {_functionTypeIndices.Count} functions.");
        }

        return _types[(int)_functionTypeIndices[(int)functionIndex]];
    }

    public WasmExport? FindExport(string name) => _exports.Find(e => e.Name == name);

    /// <summary>
    /// The value of an immutable defined global initialized by a plain <c>i32.const</c> (sign-extended)
    /// or <c>i64.const</c>; false for any other global or out-of-range index.
    /// </summary>
    public bool TryGetConstantGlobal(uint globalIndex, out long value)
    {
        value = 0;
        return globalIndex < (uint)_globals.Count
            && _globals[(int)globalIndex] is { IsMutable: false } g
            && g.TryGetInitInteger(out value);
    }

    public static WasmModuleInfo Parse(ReadOnlySpan<byte> bytes)
    {
        var info = new WasmModuleInfo();
        info.ParseModule(bytes);
        return info;
    }

    private void ParseModule(ReadOnlySpan<byte> bytes)
    {
        var r = new WasmReader(bytes);
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual(Magic))
        {
            throw new WasmFormatException("not a WebAssembly module (missing \\0asm magic)", 0);
        }

        r.Skip(4, "magic");
        int versionAt = r.Position;
        var version = r.ReadBytes(4, "version");
        if (version[0] != 1 || version[1] != 0 || version[2] != 0 || version[3] != 0)
        {
            string what = version[2] != 0 || version[3] != 0 ? "a component or layered binary, not a core module" : "an unsupported binary version";
            throw new WasmFormatException($"{what} (version bytes {Convert.ToHexString(version)})", versionAt);
        }

        int lastRank = 0;
        WasmScanState? scan = null;
        while (!r.AtEnd)
        {
            int sectionAt = r.Position;
            byte id = r.ReadByte("section id");
            uint size = r.ReadU32("section size");
            int payloadAt = r.Position;
            var s = r.Slice(size, "section");
            var sectionId = (WasmSectionId)id;
            _sections.Add(new WasmSection(sectionId, sectionAt, payloadAt, (int)size));

            if (id == 0)
            {
                string name = s.ReadName("custom section name");
                _customSections.Add(new WasmCustomSection(name, s.Position, s.Remaining));
                continue;
            }

            int rank = id <= 12 ? WasmSectionOrder.Rank(sectionId) : -1;
            if (rank < 0)
            {
                throw new WasmFormatException($"unknown or unsupported section id {id}", sectionAt);
            }

            if (rank <= lastRank)
            {
                throw new WasmFormatException($"{sectionId} section is duplicated or out of order", sectionAt);
            }

            lastRank = rank;
            switch (sectionId)
            {
                case WasmSectionId.Type: ReadTypes(ref s); break;
                case WasmSectionId.Import: ReadImports(ref s); break;
                case WasmSectionId.Function: ReadFunctions(ref s); break;
                case WasmSectionId.Table: ReadTables(ref s); break;
                case WasmSectionId.Memory: ReadMemories(ref s); break;
                case WasmSectionId.Global: ReadGlobals(ref s); break;
                case WasmSectionId.Export: ReadExports(ref s); break;
                case WasmSectionId.Start: ReadStart(ref s); break;
                case WasmSectionId.Element: ReadElements(ref s); break;
                case WasmSectionId.DataCount: DataCount = s.ReadU32("data count"); break;
                case WasmSectionId.Code:
                    scan = new WasmScanState((uint)_types.Count, (uint)_globals.Count);
                    ReadCode(ref s, scan);
                    break;
                case WasmSectionId.Data: ReadData(ref s); break;
            }

            if (!s.AtEnd)
            {
                throw s.Error($"{sectionId} section has {s.Remaining} unread bytes after its content");
            }
        }

        uint defined = _definedFunctionCount ?? 0;
        if (scan is null && defined != 0)
        {
            throw new WasmFormatException($"function section declares {defined} functions but there is no code section", bytes.Length);
        }

        if (DataCount is uint dc && dc != (uint)_dataSegments.Count)
        {
            throw new WasmFormatException($"data count section says {dc} segments but the data section has {_dataSegments.Count}", bytes.Length);
        }

        if (scan is not null)
        {
            StateOps = scan.Ops;
            _globalsWritten = scan.GlobalsWritten;
        }
    }

    private void ReadTypes(ref WasmReader s)
    {
        uint count = s.ReadCount("type", 3);
        for (uint i = 0; i < count; i++)
        {
            int at = s.Position;
            byte form = s.ReadByte("type form");
            if (form != 0x60)
            {
                throw new WasmFormatException($"unsupported type form 0x{form:X2} (only function types 0x60 are supported)", at);
            }

            var parameters = ReadValueTypes(ref s, "function parameter");
            var results = ReadValueTypes(ref s, "function result");
            _types.Add(new WasmFunctionType(parameters, results));
        }
    }

    private static WasmValueType[] ReadValueTypes(ref WasmReader s, string what)
    {
        uint count = s.ReadCount(what);
        var types = count == 0 ? [] : new WasmValueType[count];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = WasmValueTypes.Read(ref s, what);
        }

        return types;
    }

    private uint ReadTypeIndex(ref WasmReader s, string what)
    {
        int at = s.Position;
        uint index = s.ReadU32(what);
        if (index >= (uint)_types.Count)
        {
            throw new WasmFormatException($"{what} {index} out of range ({_types.Count} types)", at);
        }

        return index;
    }

    private void ReadImports(ref WasmReader s)
    {
        uint count = s.ReadCount("import", 4);
        for (uint i = 0; i < count; i++)
        {
            string module = s.ReadName("import module name");
            string name = s.ReadName("import field name");
            int kindAt = s.Position;
            byte kind = s.ReadByte("import kind");
            switch (kind)
            {
                case 0:
                {
                    uint typeIndex = ReadTypeIndex(ref s, "imported function type index");
                    _imports.Add(new WasmImport(module, name, WasmExternalKind.Function, (uint)_functionTypeIndices.Count, typeIndex, _types[(int)typeIndex], null, null, null));
                    _functionTypeIndices.Add(typeIndex);
                    ImportedFunctionCount++;
                    break;
                }

                case 1:
                {
                    var table = WasmTable.ReadType(ref s, imported: true);
                    _imports.Add(new WasmImport(module, name, WasmExternalKind.Table, (uint)_tables.Count, null, null, table, null, null));
                    _tables.Add(table);
                    break;
                }

                case 2:
                {
                    var memory = WasmMemory.Read(ref s, imported: true);
                    _imports.Add(new WasmImport(module, name, WasmExternalKind.Memory, (uint)_memories.Count, null, null, null, memory, null));
                    _memories.Add(memory);
                    break;
                }

                case 3:
                {
                    var (type, mutable) = WasmGlobal.ReadType(ref s);
                    var global = new WasmGlobal(type, mutable, IsImported: true, Init: null);
                    _imports.Add(new WasmImport(module, name, WasmExternalKind.Global, (uint)_globals.Count, null, null, null, null, global));
                    _globals.Add(global);
                    break;
                }

                default:
                    throw new WasmFormatException($"unknown or unsupported import kind 0x{kind:X2}", kindAt);
            }
        }
    }

    private void ReadFunctions(ref WasmReader s)
    {
        uint count = s.ReadCount("function");
        for (uint i = 0; i < count; i++)
        {
            _functionTypeIndices.Add(ReadTypeIndex(ref s, "function type index"));
        }

        _definedFunctionCount = count;
    }

    private void ReadTables(ref WasmReader s)
    {
        uint count = s.ReadCount("table", 3);
        for (uint i = 0; i < count; i++)
        {
            if (s.PeekByte("table type") == 0x40)
            {
                // Table with an explicit initializer expression: 0x40 0x00 tabletype expr.
                s.ReadByte("table type");
                int at = s.Position;
                if (s.ReadByte("table initializer marker") != 0x00)
                {
                    throw new WasmFormatException("malformed table initializer marker", at);
                }

                var table = WasmTable.ReadType(ref s, imported: false);
                var init = WasmConstExpr.Read(ref s, "table initializer");
                _tables.Add(table with { Init = init });
            }
            else
            {
                _tables.Add(WasmTable.ReadType(ref s, imported: false));
            }
        }
    }

    private void ReadMemories(ref WasmReader s)
    {
        uint count = s.ReadCount("memory", 2);
        for (uint i = 0; i < count; i++)
        {
            _memories.Add(WasmMemory.Read(ref s, imported: false));
        }
    }

    private void ReadGlobals(ref WasmReader s)
    {
        uint count = s.ReadCount("global", 4);
        for (uint i = 0; i < count; i++)
        {
            var (type, mutable) = WasmGlobal.ReadType(ref s);
            var init = WasmConstExpr.Read(ref s, "global initializer");
            _globals.Add(new WasmGlobal(type, mutable, IsImported: false, init));
        }
    }

    private void ReadExports(ref WasmReader s)
    {
        uint count = s.ReadCount("export", 3);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (uint i = 0; i < count; i++)
        {
            int at = s.Position;
            string name = s.ReadName("export name");
            int kindAt = s.Position;
            byte kind = s.ReadByte("export kind");
            int indexAt = s.Position;
            uint index = s.ReadU32("export index");
            int limit = kind switch
            {
                0 => _functionTypeIndices.Count,
                1 => _tables.Count,
                2 => _memories.Count,
                3 => _globals.Count,
                _ => throw new WasmFormatException($"unknown or unsupported export kind 0x{kind:X2}", kindAt),
            };
            var exportKind = (WasmExternalKind)kind;
            if (index >= (uint)limit)
            {
                throw new WasmFormatException($"export '{name}' refers to {exportKind} {index}, but there are {limit}", indexAt);
            }

            if (!names.Add(name))
            {
                throw new WasmFormatException($"duplicate export name '{name}'", at);
            }

            _exports.Add(new WasmExport(name, exportKind, index));
        }
    }

    private void ReadStart(ref WasmReader s)
    {
        int at = s.Position;
        uint index = s.ReadU32("start function index");
        if (index >= (uint)_functionTypeIndices.Count)
        {
            throw new WasmFormatException($"start function {index} out of range ({_functionTypeIndices.Count} functions)", at);
        }

        StartFunction = index;
    }

    private void ReadElements(ref WasmReader s)
    {
        uint count = s.ReadCount("element segment", 2);
        for (uint i = 0; i < count; i++)
        {
            int at = s.Position;
            uint flags = s.ReadU32("element segment flags");
            if (flags > 7)
            {
                throw new WasmFormatException($"unknown element segment flags {flags}", at);
            }

            // Bit 0: not active; bit 1: explicit table index (active) or declarative (not active); bit 2: expressions.
            bool active = (flags & 1) == 0;
            bool expressions = (flags & 4) != 0;
            var mode = active ? WasmSegmentMode.Active : (flags & 2) != 0 ? WasmSegmentMode.Declarative : WasmSegmentMode.Passive;
            uint table = active && (flags & 2) != 0 ? s.ReadU32("element segment table index") : 0;
            WasmConstExpr? offset = active ? WasmConstExpr.Read(ref s, "element segment offset") : null;
            var elementType = WasmValueType.FuncRef;
            if ((flags & 3) != 0)
            {
                if (expressions)
                {
                    elementType = WasmValueTypes.ReadReferenceType(ref s, "element segment type");
                }
                else
                {
                    int kindAt = s.Position;
                    if (s.ReadByte("element kind") != 0x00)
                    {
                        throw new WasmFormatException("unknown element kind (only 0x00 funcref is defined)", kindAt);
                    }
                }
            }

            uint items = s.ReadCount("element item");
            for (uint j = 0; j < items; j++)
            {
                if (expressions)
                {
                    WasmConstExpr.Read(ref s, "element item expression");
                }
                else
                {
                    s.ReadU32("element function index");
                }
            }

            _elementSegments.Add(new WasmElementSegment(mode, table, offset, elementType, items, expressions));
        }
    }

    private void ReadCode(ref WasmReader s, WasmScanState scan)
    {
        int countAt = s.Position;
        uint count = s.ReadCount("function body", 2);
        uint expected = _definedFunctionCount ?? 0;
        if (count != expected)
        {
            throw new WasmFormatException($"code section has {count} bodies but the function section declares {expected} functions", countAt);
        }

        for (uint i = 0; i < count; i++)
        {
            uint size = s.ReadU32("function body size");
            var body = s.Slice(size, "function body");
            int bodyAt = body.Position;
            uint groups = body.ReadCount("local declaration", 2);
            ulong locals = 0;
            for (uint g = 0; g < groups; g++)
            {
                int at = body.Position;
                locals += body.ReadU32("local count");
                WasmValueTypes.Read(ref body, "local type");
                if (locals > uint.MaxValue)
                {
                    throw new WasmFormatException("function declares more than 2^32-1 locals", at);
                }
            }

            int codeAt = body.Position;
            long control = WasmCodeScanner.ScanBody(ref body, scan);
            ControlInstructions += control;
            uint functionIndex = (uint)ImportedFunctionCount + i;
            _functionBodies.Add(new WasmFunctionBody(functionIndex, _functionTypeIndices[(int)functionIndex], bodyAt, (int)size, codeAt, locals, control));
        }
    }

    private void ReadData(ref WasmReader s)
    {
        uint count = s.ReadCount("data segment", 2);
        for (uint i = 0; i < count; i++)
        {
            int at = s.Position;
            uint flags = s.ReadU32("data segment flags");
            WasmSegmentMode mode;
            uint memory = 0;
            WasmConstExpr? offset = null;
            switch (flags)
            {
                case 0:
                    mode = WasmSegmentMode.Active;
                    offset = WasmConstExpr.Read(ref s, "data segment offset");
                    break;
                case 1:
                    mode = WasmSegmentMode.Passive;
                    break;
                case 2:
                    mode = WasmSegmentMode.Active;
                    memory = s.ReadU32("data segment memory index");
                    offset = WasmConstExpr.Read(ref s, "data segment offset");
                    break;
                default:
                    throw new WasmFormatException($"unknown data segment flags {flags}", at);
            }

            uint length = s.ReadU32("data segment length");
            int dataAt = s.Position;
            s.Skip(length, "data segment bytes");
            _dataSegments.Add(new WasmDataSegment(mode, memory, offset, offset?.AsUnsignedOffset(), length, dataAt));
        }
    }
}
