using System.Collections.Concurrent;
using Piecrust.Storage;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Runtime;

/// <summary>
/// Compiled contracts by bytecode hash: in memory for the VM's life, and serialized in the store
/// under the bytecode hash and the engine fingerprint, so another VM on the same directory loads
/// instead of compiling (Wasmtime deserialisation is ~300× cheaper). Thread-safe.
/// </summary>
internal sealed class ModuleCache : IDisposable
{
    private readonly Engine _engine;
    private readonly PageStore _store;
    private readonly ConcurrentDictionary<Hash, Lazy<CompiledContract>> _loaded = new();
    private long _compiled;

    public ModuleCache(Engine engine, PageStore store)
    {
        _engine = engine;
        _store = store;
    }

    /// <summary>How many modules this cache compiled from bytecode (not loaded from the store).</summary>
    public long CompiledCount => Interlocked.Read(ref _compiled);

    /// <summary>Validates and compiles new bytecode (or reuses a compilation of the same bytes).</summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule.</exception>
    public CompiledContract ForDeploy(byte[] bytecode) => Get(Hash.Of(bytecode), () => bytecode);

    /// <summary>The compiled module of stored bytecode <paramref name="hash"/>.</summary>
    public CompiledContract ForStored(Hash hash) => Get(hash, () => _store.ReadBytecode(hash));

    /// <summary>Writes the serialized module to the store cache if it is not there (called once its bytecode is committed).</summary>
    public void Persist(CompiledContract contract)
    {
        if (_store.ReadModule(contract.Bytecode, WasmConfig.Fingerprint) is null)
            _store.WriteModule(contract.Bytecode, WasmConfig.Fingerprint, contract.Module.Serialize());
    }

    /// <summary>
    /// Forgets a compiled module in memory and in the store. Sessions already using it keep their
    /// reference (the native module is freed when the last one is collected).
    /// </summary>
    public void Remove(Hash bytecode)
    {
        _loaded.TryRemove(bytecode, out _);
        _store.RemoveModules(bytecode);
    }

    private CompiledContract Get(Hash hash, Func<byte[]> bytecode)
    {
        var lazy = _loaded.GetOrAdd(hash, h => new Lazy<CompiledContract>(() => Build(h, bytecode())));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<Hash, Lazy<CompiledContract>>(hash, lazy));
            throw;
        }
    }

    private CompiledContract Build(Hash hash, byte[] bytecode)
    {
        var checkedModule = ModuleValidator.Check(_engine, bytecode);
        string name = hash.ToString();
        Module module;
        IReadOnlyList<BulkMemoryImport> bulkImports;
        IReadOnlyDictionary<uint, byte[]> passiveData = new Dictionary<uint, byte[]>();
        var serialized = _store.ReadModule(hash, WasmConfig.Fingerprint);
        if (serialized is not null)
        {
            module = Module.Deserialize(_engine, name, serialized);
            // The gas transform's imports follow the module's own; memory.init (rare) needs the segments' bytes.
            bulkImports = AddedImports(module, checkedModule.Imports.Length);
            if (bulkImports.Any(i => i.Operation == BulkMemoryOperation.MemoryInit))
                passiveData = GasTransform.Apply(checkedModule.CompiledBytecode).PassiveData;
        }
        else
        {
            var transformed = GasTransform.Apply(checkedModule.CompiledBytecode);
            try
            {
                module = Module.FromBytes(_engine, name, transformed.Module);
            }
            catch (WasmtimeException e)
            {
                throw new InvalidModuleException($"Invalid contract module: it does not compile ({e.Message.Split('\n')[0]}).");
            }
            bulkImports = transformed.Imports;
            passiveData = transformed.PassiveData;
            Interlocked.Increment(ref _compiled);
        }
        return new CompiledContract
        {
            Bytecode = hash,
            Module = module,
            Is64 = checkedModule.Is64,
            ArgumentBuffer = checkedModule.ArgumentBuffer,
            InitialMemory = checkedModule.InitialMemory,
            MaxMemory = checkedModule.MaxMemory,
            Functions = checkedModule.Functions,
            HasInit = checkedModule.HasInit,
            Imports = checkedModule.Imports,
            BulkImports = [.. bulkImports],
            PassiveData = passiveData,
            GlobalResets = checkedModule.GlobalResets,
            NeedsFreshInstance = checkedModule.NeedsFreshInstance,
        };
    }

    private static BulkMemoryImport[] AddedImports(Module module, int ownImports) =>
        module.Imports.Skip(ownImports)
            .Select(i => BulkMemoryImport.TryParse(i.ModuleName, i.Name, out var import)
                ? import
                : throw new InvalidOperationException($"The cached module imports {i.ModuleName}.{i.Name}, which the gas transform does not add."))
            .ToArray();

    public void Dispose()
    {
        foreach (var lazy in _loaded.Values)
            if (lazy.IsValueCreated) lazy.Value.Module.Dispose();
        _loaded.Clear();
    }
}
