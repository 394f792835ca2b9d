namespace Piecrust.Wasm;

/// <summary>
/// Makes a module's code cost exactly what <see cref="GasSchedule"/> says under Wasmtime's default fuel
/// table: store operators get fuel padding (see <see cref="WasmFunctionRewriter"/>), and
/// <c>memory.copy</c>, <c>memory.fill</c>, <c>memory.grow</c>, <c>memory.init</c> (with the
/// <c>data.drop</c>s of its segments) become calls of host functions that do the operator's work
/// without fuel (<see cref="BulkMemoryImport"/>), because Wasmtime charges them per byte or page and
/// checks fuel inside them. <c>memory.size</c> becomes a host call too, and the memory is declared
/// with its maximum size as both minimum and maximum: the host keeps the length the contract sees
/// (see <see cref="Memory.LinearMemory"/>), so accesses past it but inside the maximum do not trap,
/// as in piecrust 0.32. Each call costs 1, as the operator it replaces. Deterministic: the output
/// depends on the input bytes and the capacity only. The stored bytecode stays the original; only
/// the compiled module is transformed.
/// </summary>
internal static class GasTransform
{
    /// <summary>
    /// The transformed module, the imports it appends after the module's own, and the bytes of every
    /// passive data segment an added <c>memory.init</c> import reads (active segments are dropped at
    /// instantiation, so the host reads them as empty).
    /// </summary>
    public sealed record Result(byte[] Module, IReadOnlyList<BulkMemoryImport> Imports, IReadOnlyDictionary<uint, byte[]> PassiveData);

    /// <summary>
    /// Transforms a module that already passed validation (one memory, defined), declaring its memory
    /// <paramref name="capacityPages"/> 64 KiB pages large, fixed.
    /// </summary>
    /// <exception cref="WasmFormatException">The module is malformed.</exception>
    public static Result Apply(ReadOnlySpan<byte> module, ulong capacityPages)
    {
        var info = WasmModuleInfo.Parse(module);
        return Apply(module, info, capacityPages);
    }

    /// <summary>Transforms a module with its memory at the ABI's maximum size for its width (see <see cref="Modules.WasmConfig.Capacity"/>).</summary>
    /// <exception cref="WasmFormatException">The module is malformed.</exception>
    public static Result Apply(ReadOnlySpan<byte> module)
    {
        var info = WasmModuleInfo.Parse(module);
        return Apply(module, info, Modules.WasmConfig.Capacity(info.Memories[0].Is64, ulong.MaxValue) / WasmMemory.PageSize);
    }

    private static Result Apply(ReadOnlySpan<byte> module, WasmModuleInfo info, ulong capacityPages)
    {
        var plan = GasPlan.For(module, info);
        bool is64 = info.Memories.Count > 0 && info.Memories[0].Is64;
        var output = new WasmWriter(module.Length + module.Length / 2);
        output.Bytes(module[..8]);
        bool importsWritten = false;
        foreach (var section in info.Sections)
        {
            var whole = module[section.Offset..section.EndOffset];
            var payload = Payload(module, section);
            if (plan.Added > 0 && !importsWritten && section.Id != WasmSectionId.Custom
                && WasmSectionOrder.Rank(section.Id) > WasmSectionOrder.Rank(WasmSectionId.Import))
            {
                // The module has no import section: the added imports need one, in its place.
                output.Section(WasmSectionId.Import, Imports(info, plan, is64, existing: []));
                importsWritten = true;
            }

            switch (section.Id)
            {
                case WasmSectionId.Custom when plan.Added > 0 && IsNameSection(payload):
                    // Function names are by index, which moved; names only serve debugging.
                    break;
                case WasmSectionId.Code:
                    output.Section(section.Id, Code(module, info, plan));
                    break;
                case WasmSectionId.Memory:
                    output.Section(section.Id, FixedMemory(is64, capacityPages));
                    break;
                case WasmSectionId.Type when plan.Added > 0:
                    output.Section(section.Id, Types(module, info, plan, is64, payload));
                    break;
                case WasmSectionId.Import when plan.Added > 0:
                    output.Section(section.Id, Imports(info, plan, is64, module[section.PayloadOffset..section.EndOffset]));
                    importsWritten = true;
                    break;
                case WasmSectionId.Export when plan.Added > 0:
                    output.Section(section.Id, Exports(module, payload, plan));
                    break;
                case WasmSectionId.Start when plan.Added > 0:
                    output.Section(section.Id, Start(payload, plan));
                    break;
                case WasmSectionId.Element when plan.Added > 0:
                    output.Section(section.Id, Elements(module, payload, plan));
                    break;
                case WasmSectionId.Global when plan.Added > 0:
                    output.Section(section.Id, Globals(module, payload, plan));
                    break;
                case WasmSectionId.Table when plan.Added > 0:
                    output.Section(section.Id, Tables(module, payload, plan));
                    break;
                default:
                    output.Bytes(whole);
                    break;
            }
        }

        var passive = new Dictionary<uint, byte[]>();
        foreach (var import in plan.Imports)
        {
            if (import.Operation == BulkMemoryOperation.MemoryInit && import.Segment < (uint)info.DataSegments.Count
                && info.DataSegments[(int)import.Segment] is { Mode: WasmSegmentMode.Passive } segment)
            {
                passive[import.Segment] = module.Slice(segment.DataOffset, (int)segment.Length).ToArray();
            }
        }

        return new Result(output.ToArray(), plan.Imports, passive);
    }

    /// <summary>A memory section of one memory whose minimum and maximum are both <paramref name="pages"/>.</summary>
    private static byte[] FixedMemory(bool is64, ulong pages)
    {
        var output = new WasmWriter(24);
        output.U32(1);
        output.Byte(is64 ? (byte)0x05 : (byte)0x01); // has maximum, and 64-bit
        output.U64(pages);
        output.U64(pages);
        return output.ToArray();
    }

    private static WasmReader Payload(ReadOnlySpan<byte> module, WasmSection section)
    {
        var reader = new WasmReader(module);
        reader.Skip((uint)section.PayloadOffset, "module");
        return reader.Slice((uint)section.PayloadLength, "section");
    }

    private static bool IsNameSection(WasmReader payload) => payload.ReadName("custom section name") == "name";

    private static byte[] Code(ReadOnlySpan<byte> module, WasmModuleInfo info, GasPlan plan)
    {
        var output = new WasmWriter(module.Length);
        var scratch = new WasmScanState((uint)info.Types.Count, (uint)info.Globals.Count);
        output.U32((uint)info.FunctionBodies.Count);
        foreach (var function in info.FunctionBodies)
        {
            var body = new WasmWriter(function.Length * 2);
            WasmFunctionRewriter.Rewrite(module, function, plan, scratch, body);
            output.Sized(body.Written);
        }

        return output.ToArray();
    }

    /// <summary>The old types, then one per distinct signature of the added imports.</summary>
    private static byte[] Types(ReadOnlySpan<byte> module, WasmModuleInfo info, GasPlan plan, bool is64, WasmReader payload)
    {
        var added = AddedTypes(info, plan, is64);
        var output = new WasmWriter(payload.Remaining + 16 * added.Count);
        uint count = payload.ReadU32("type count");
        output.U32(checked(count + (uint)added.Count));
        output.Bytes(module[payload.Position..payload.End]);
        foreach (var (parameters, results) in added)
        {
            output.Byte(0x60);
            output.U32((uint)parameters.Length);
            foreach (var type in parameters) output.Byte((byte)type);
            output.U32((uint)results.Length);
            foreach (var type in results) output.Byte((byte)type);
        }

        return output.ToArray();
    }

    private static List<(WasmValueType[] Parameters, WasmValueType[] Results)> AddedTypes(WasmModuleInfo info, GasPlan plan, bool is64)
    {
        var types = new List<(WasmValueType[], WasmValueType[])>();
        foreach (var import in plan.Imports)
        {
            var signature = import.Signature(is64);
            if (TypeIndex(types, signature) < 0) types.Add(signature);
        }

        return types;
    }

    private static int TypeIndex(List<(WasmValueType[] Parameters, WasmValueType[] Results)> types, (WasmValueType[] Parameters, WasmValueType[] Results) signature)
        => types.FindIndex(t => t.Parameters.AsSpan().SequenceEqual(signature.Parameters) && t.Results.AsSpan().SequenceEqual(signature.Results));

    /// <summary>The old imports (the payload <paramref name="existing"/>, empty when there is none), then the added ones.</summary>
    private static byte[] Imports(WasmModuleInfo info, GasPlan plan, bool is64, ReadOnlySpan<byte> existing)
    {
        var output = new WasmWriter(existing.Length + 32 * plan.Imports.Count);
        uint count = 0;
        ReadOnlySpan<byte> old = [];
        if (!existing.IsEmpty)
        {
            var payload = new WasmReader(existing);
            count = payload.ReadU32("import count");
            old = existing[payload.Position..];
        }

        output.U32(checked(count + plan.Added));
        output.Bytes(old);
        var types = AddedTypes(info, plan, is64);
        var moduleName = System.Text.Encoding.UTF8.GetBytes(BulkMemoryImport.ModuleName);
        foreach (var import in plan.Imports)
        {
            output.Sized(moduleName);
            output.Sized(System.Text.Encoding.UTF8.GetBytes(import.FieldName));
            output.Byte((byte)WasmExternalKind.Function);
            output.U32((uint)(info.Types.Count + TypeIndex(types, import.Signature(is64))));
        }

        return output.ToArray();
    }

    private static byte[] Exports(ReadOnlySpan<byte> module, WasmReader payload, GasPlan plan)
    {
        var output = new WasmWriter(payload.Remaining + 16);
        uint count = payload.ReadU32("export count");
        output.U32(count);
        for (uint i = 0; i < count; i++)
        {
            int nameStart = payload.Position;
            payload.ReadName("export name");
            output.Bytes(module[nameStart..payload.Position]);
            byte kind = payload.ReadByte("export kind");
            uint index = payload.ReadU32("export index");
            output.Byte(kind);
            output.U32(kind == (byte)WasmExternalKind.Function ? plan.Remap(index) : index);
        }

        return output.ToArray();
    }

    private static byte[] Start(WasmReader payload, GasPlan plan)
    {
        var output = new WasmWriter(8);
        output.U32(plan.Remap(payload.ReadU32("start function")));
        return output.ToArray();
    }

    private static byte[] Elements(ReadOnlySpan<byte> module, WasmReader payload, GasPlan plan)
    {
        var output = new WasmWriter(payload.Remaining + 16);
        uint count = payload.ReadU32("element segment count");
        output.U32(count);
        for (uint i = 0; i < count; i++)
        {
            uint flags = payload.ReadU32("element segment flags");
            output.U32(flags);
            bool active = (flags & 1) == 0;
            bool expressions = (flags & 4) != 0;
            if (active && (flags & 2) != 0) output.U32(payload.ReadU32("element segment table index"));
            if (active) CopyConstExpr(module, ref payload, output, plan);
            if ((flags & 3) != 0) output.Byte(payload.ReadByte("element kind or type"));
            uint items = payload.ReadU32("element item count");
            output.U32(items);
            for (uint j = 0; j < items; j++)
            {
                if (expressions) CopyConstExpr(module, ref payload, output, plan);
                else output.U32(plan.Remap(payload.ReadU32("element function index")));
            }
        }

        return output.ToArray();
    }

    private static byte[] Globals(ReadOnlySpan<byte> module, WasmReader payload, GasPlan plan)
    {
        var output = new WasmWriter(payload.Remaining + 16);
        uint count = payload.ReadU32("global count");
        output.U32(count);
        for (uint i = 0; i < count; i++)
        {
            int start = payload.Position;
            WasmGlobal.ReadType(ref payload);
            output.Bytes(module[start..payload.Position]);
            CopyConstExpr(module, ref payload, output, plan);
        }

        return output.ToArray();
    }

    private static byte[] Tables(ReadOnlySpan<byte> module, WasmReader payload, GasPlan plan)
    {
        var output = new WasmWriter(payload.Remaining + 16);
        uint count = payload.ReadU32("table count");
        output.U32(count);
        for (uint i = 0; i < count; i++)
        {
            bool initialized = payload.PeekByte("table type") == 0x40;
            int start = payload.Position;
            if (initialized)
            {
                payload.Skip(2, "table initializer marker");
            }

            WasmTable.ReadType(ref payload, imported: false);
            output.Bytes(module[start..payload.Position]);
            if (initialized) CopyConstExpr(module, ref payload, output, plan);
        }

        return output.ToArray();
    }

    /// <summary>Copies a constant expression up to and including its <c>end</c>, moving <c>ref.func</c> indices.</summary>
    private static void CopyConstExpr(ReadOnlySpan<byte> module, ref WasmReader reader, WasmWriter output, GasPlan plan)
    {
        var expression = WasmConstExpr.Read(ref reader, "constant expression");
        var walk = new WasmReader(module);
        walk.Skip((uint)expression.Offset, "module");
        walk = walk.Slice((uint)expression.Length, "constant expression");
        while (!walk.AtEnd)
        {
            int start = walk.Position;
            byte op = walk.ReadByte("constant expression");
            switch (op)
            {
                case 0x41: walk.ReadS32("i32.const"); break;
                case 0x42: walk.ReadS64("i64.const"); break;
                case 0x43: walk.Skip(4, "f32.const"); break;
                case 0x44: walk.Skip(8, "f64.const"); break;
                case 0xD0: walk.ReadByte("ref.null type"); break;
                case 0x23: walk.ReadU32("global.get"); break;
                case 0xFD: walk.ReadU32("v128.const"); walk.Skip(16, "v128.const"); break;
                case 0xD2:
                    output.Byte(op);
                    output.U32(plan.Remap(walk.ReadU32("ref.func")));
                    continue;
            }

            output.Bytes(module[start..walk.Position]);
        }
    }
}
