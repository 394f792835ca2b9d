using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Modules;

/// <summary>
/// Checks bytecode against the contract ABI's module rules at deploy, with one clear message per
/// rule, and works out what the engine needs to run it (pointer width, argument buffer, imports,
/// globals to reset) together with the bytecode to compile.
/// </summary>
internal static class ModuleValidator
{
    public sealed record Result(
        byte[] CompiledBytecode, bool Is64, ulong ArgumentBuffer, ulong InitialMemory, ulong MaxMemory, IReadOnlySet<string> Functions,
        bool HasInit, HostImport[] Imports, GlobalReset[] GlobalResets, bool NeedsFreshInstance);

    private const string ResetExportPrefix = "\u0000piecrust_global_";

    /// <summary>
    /// Checks <paramref name="bytecode"/>: the size and count limits of <paramref name="limits"/>
    /// first (our own parse is linear; the engine's validation and compilation come only after), then
    /// the engine's validation, then the ABI's rules.
    /// </summary>
    /// <param name="engine">The engine whose deterministic configuration the bytecode must validate under.</param>
    /// <param name="bytecode">The module.</param>
    /// <param name="limits">The VM's module limits.</param>
    /// <param name="engineValidated">
    /// True when these exact bytes already passed the engine's validation under the same configuration
    /// (their compiled module is cached under that configuration's fingerprint, see <see cref="ModuleCache"/>):
    /// that validation, the costly part (milliseconds), is not repeated; the limits and rules are.
    /// </param>
    public static Result Check(Engine engine, ReadOnlySpan<byte> bytecode, VMOptions limits, bool engineValidated = false)
    {
        if (bytecode.IsEmpty) throw Invalid("the bytecode is empty");
        ModuleLimits.CheckSize(bytecode.Length, limits);
        WasmModuleInfo info;
        try
        {
            info = WasmModuleInfo.Parse(bytecode);
        }
        catch (WasmFormatException e)
        {
            throw Invalid($"it is not a well-formed WebAssembly binary ({e.Message})");
        }
        ModuleLimits.CheckShape(info, limits);
        string? error = engineValidated ? null : Module.Validate(engine, bytecode);
        if (error is not null) throw Invalid($"it does not validate under the engine's deterministic configuration: {FirstLine(error)}");

        // Rule 2: exactly one memory, defined here and exported as "memory".
        if (info.Memories.Count != 1) throw Invalid($"it must have exactly one memory, it has {info.Memories.Count}");
        var memory = info.Memories[0];
        if (memory.IsImported) throw Invalid("its memory is imported; it must define and export its own");
        if (memory.IsShared) throw Invalid("its memory is shared; shared memories are not allowed");
        if (!info.Exports.Any(e => e.Kind == WasmExternalKind.Memory && e.Name == "memory"))
            throw Invalid("it does not export its memory as 'memory'");
        bool is64 = memory.Is64;
        ulong abiMax = is64 ? WasmConfig.MaxMemory64 : WasmConfig.MaxMemory32;
        ulong maxMemory = memory.Maximum is { } maxPages ? Math.Min(abiMax, Pages(maxPages)) : abiMax;
        if (Pages(memory.Minimum) > abiMax)
            throw Invalid($"its memory's initial size ({memory.Minimum} pages) is over the {(is64 ? "4 TiB" : "4 GiB")} limit");

        // Rule 3: every exported function is (i32) -> i32.
        var functions = new HashSet<string>(StringComparer.Ordinal);
        bool hasInit = false;
        foreach (var export in info.Exports.Where(e => e.Kind == WasmExternalKind.Function))
        {
            var type = info.GetFunctionType(export.Index);
            if (!type.Matches([WasmValueType.I32], [WasmValueType.I32]))
                throw Invalid($"exported function '{export.Name}' has type {type}; every exported function must be (i32) -> i32");
            if (export.Name == "init") hasInit = true;
            else functions.Add(export.Name);
        }

        // Rule 4: an exported immutable global A of the pointer type, with room for 64 KiB inside the memory.
        var aExport = info.Exports.FirstOrDefault(e => e.Kind == WasmExternalKind.Global && e.Name == "A")
            ?? throw Invalid("it does not export the argument buffer global 'A'");
        var aGlobal = info.Globals[(int)aExport.Index];
        var pointerType = is64 ? WasmValueType.I64 : WasmValueType.I32;
        if (aGlobal.IsMutable || aGlobal.Type != pointerType)
            throw Invalid($"global 'A' must be an immutable {pointerType.Name()} for a {(is64 ? "64" : "32")}-bit memory, it is {aGlobal}");
        if (!aGlobal.TryGetInitInteger(out long aValue))
            throw Invalid("global 'A' must be initialised with a constant");
        ulong argumentBuffer = is64 ? (ulong)aValue : (uint)aValue;
        if (argumentBuffer > maxMemory || maxMemory - argumentBuffer < 65536)
            throw Invalid($"the argument buffer A = {argumentBuffer} does not leave 64 KiB inside the maximum memory size {maxMemory}");

        // Rule 5: only the ABI's host functions may be imported, with the right signature.
        var imports = new HostImport[info.Imports.Count];
        var pointerKind = is64 ? ValueKind.Int64 : ValueKind.Int32;
        for (int i = 0; i < info.Imports.Count; i++)
        {
            var import = info.Imports[i];
            if (import.Kind != WasmExternalKind.Function)
                throw Invalid($"it imports {import.Kind.ToString().ToLowerInvariant()} '{import.Module}.{import.Name}'; only host functions may be imported");
            if (!HostImportTable.ByName.TryGetValue(import.Name, out var host))
                throw Invalid($"it imports '{import.Module}.{import.Name}', which is not a host function of the contract ABI");
            var (parameters, results) = HostImportTable.Signature(host, pointerKind);
            if (!import.FunctionType!.Matches(parameters.Select(ToWasm).ToArray(), results.Select(ToWasm).ToArray()))
                throw Invalid($"it imports '{import.Name}' with type {import.FunctionType}, but a {(is64 ? "64" : "32")}-bit contract's '{import.Name}' is ({string.Join(", ", parameters.Select(p => ToWasm(p).Name()))}) -> ({string.Join(", ", results.Select(p => ToWasm(p).Name()))})");
            imports[i] = host;
        }

        // Rule 6 (hostile input): no start function, data segments inside the initial memory.
        if (info.StartFunction is not null) throw Invalid("it has a start function; contracts run code only through exported functions");
        ulong initialBytes = Pages(memory.Minimum);
        for (int i = 0; i < info.DataSegments.Count; i++)
        {
            var segment = info.DataSegments[i];
            if (segment.Mode != WasmSegmentMode.Active) continue;
            if (segment.ConstantOffset is not { } offset)
                throw Invalid($"data segment {i} has a non-constant offset");
            if (offset > initialBytes || initialBytes - offset < segment.Length)
                throw Invalid($"data segment {i} ({segment.Length} bytes at {offset}) does not fit in the initial memory of {initialBytes} bytes");
        }

        // Globals the code writes are exported under reserved names so the host can reset them.
        var extraExports = new List<(uint, string)>();
        var resets = new List<GlobalReset>();
        bool needsFresh = info.MutatesTables || info.UsesPassiveData;
        foreach (uint index in info.GlobalsWritten.Order())
        {
            var global = info.Globals[(int)index];
            object? initial = global.Init switch
            {
                { Kind: WasmConstExprKind.I32Const } c => (int)c.Value,
                { Kind: WasmConstExprKind.I64Const } c => c.Value,
                { Kind: WasmConstExprKind.F32Const } c => BitConverter.Int32BitsToSingle((int)c.Value),
                { Kind: WasmConstExprKind.F64Const } c => BitConverter.Int64BitsToDouble(c.Value),
                _ => null,
            };
            if (initial is null)
            {
                needsFresh = true;
                continue;
            }
            string name = ResetExportPrefix + index;
            extraExports.Add((index, name));
            resets.Add(new GlobalReset(name, initial));
        }
        var compiled = extraExports.Count == 0 ? bytecode.ToArray() : WasmRewriter.ExportGlobals(bytecode, extraExports);
        return new Result(compiled, is64, argumentBuffer, initialBytes, maxMemory, functions, hasInit, imports, resets.ToArray(), needsFresh);
    }

    private static ulong Pages(ulong pages) => pages > (ulong.MaxValue >> 16) ? ulong.MaxValue : pages * WasmMemory.PageSize;

    private static WasmValueType ToWasm(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => WasmValueType.I32,
        ValueKind.Int64 => WasmValueType.I64,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static InvalidModuleException Invalid(string rule) => new($"Invalid contract module: {rule}.");
}
