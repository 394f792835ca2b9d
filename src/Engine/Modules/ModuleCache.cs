using System.Collections.Concurrent;
using Piecrust.Storage;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Modules;

/// <summary>
/// Compiled contracts by bytecode hash: in memory for the VM's life, and serialized in the store
/// under the bytecode hash and the engine fingerprint, so another VM on the same directory loads
/// instead of compiling (Wasmtime deserialisation is ~300× cheaper). Thread-safe.
/// </summary>
internal sealed class ModuleCache : IDisposable
{
    private readonly Engine _engine;
    private readonly PageStore _store;
    private readonly VMOptions _limits;
    private readonly Hash _fingerprint;
    private readonly ConcurrentDictionary<Hash, Lazy<CompiledContract>> _loaded = new();
    private long _compiled;
    private long _engineValidations;

    /// <summary>A cache whose modules must keep to the module limits of <paramref name="limits"/>, stored ones included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    public ModuleCache(Engine engine, PageStore store, VMOptions limits)
    {
        ModuleLimits.Validate(limits);
        _engine = engine;
        _store = store;
        _limits = limits;
        _fingerprint = WasmConfig.FingerprintFor(limits.MaxMemory);
    }

    /// <summary>How many modules this cache compiled from bytecode (not loaded from the store).</summary>
    public long CompiledCount => Interlocked.Read(ref _compiled);

    /// <summary>How many modules this cache had the engine validate (those without a cached compilation).</summary>
    public long EngineValidationCount => Interlocked.Read(ref _engineValidations);

    /// <summary>Validates and compiles new bytecode (or reuses a compilation of the same bytes).</summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule or limit.</exception>
    public CompiledContract ForDeploy(byte[] bytecode)
    {
        ModuleLimits.CheckSize(bytecode.Length, _limits); // before hashing it
        return Get(Hash.Of(bytecode), () => bytecode);
    }

    /// <summary>The compiled module of stored bytecode <paramref name="hash"/>.</summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module limit of this VM (it was stored under larger ones).</exception>
    public CompiledContract ForStored(Hash hash) => Get(hash, () => _store.ReadBytecode(hash));

    /// <summary>
    /// Writes the serialized module to the store cache if it is not there, or replaces a damaged
    /// entry (called once its bytecode is committed).
    /// </summary>
    /// <param name="contract">The compiled contract.</param>
    /// <param name="required">
    /// False after a commit: the commit is already durable, so a cache the store cannot write only
    /// costs a compilation later and must not make the commit look failed. True when the caller
    /// asked for the cache entry itself.
    /// </param>
    /// <exception cref="StoreIOException">With <paramref name="required"/>: the write failed.</exception>
    public void Persist(CompiledContract contract, bool required = false)
    {
        try
        {
            if (_store.ReadModule(contract.Bytecode, _fingerprint) is not null) return;
        }
        catch (CorruptStoreException)
        {
            // A damaged entry (or its block): overwritten below with the module just compiled.
        }
        try
        {
            _store.WriteModule(contract.Bytecode, _fingerprint, contract.Module.Serialize());
        }
        catch (Exception e) when (!required && e is StoreIOException or CorruptStoreException)
        {
            // Not cached: the next VM compiles it again. A store that cannot write fails the next commit loudly.
        }
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
        // A cached module proves these bytes passed the engine's validation under this configuration:
        // entries are written only for modules built here (after Check), keyed by the bytecode's hash
        // and the configuration's fingerprint, and read back only when their checksum matches.
        var serialized = _store.ReadModule(hash, _fingerprint);
        var checkedModule = ModuleValidator.Check(_engine, bytecode, _limits, engineValidated: serialized is not null);
        if (serialized is null) Interlocked.Increment(ref _engineValidations);
        ulong capacity = WasmConfig.Capacity(checkedModule.Is64, _limits.MaxMemory);
        if (checkedModule.InitialMemory > capacity)
            throw new InvalidModuleException(
                $"Invalid contract module: its initial memory of {checkedModule.InitialMemory:N0} bytes is over this VM's limit of {_limits.MaxMemory:N0} ({nameof(VMOptions)}.{nameof(VMOptions.MaxMemory)}).",
                nameof(VMOptions.MaxMemory));
        ulong capacityPages = capacity / WasmMemory.PageSize;
        string name = hash.ToString();
        Module module;
        IReadOnlyList<BulkMemoryImport> bulkImports;
        IReadOnlyDictionary<uint, byte[]> passiveData = new Dictionary<uint, byte[]>();
        if (serialized is not null)
        {
            module = Deserialize(hash, name, serialized);
            // The gas transform's imports follow the module's own; memory.init (rare) needs the segments' bytes.
            bulkImports = AddedImports(hash, module, checkedModule.Imports.Length);
            if (bulkImports.Any(i => i.Operation == BulkMemoryOperation.MemoryInit))
                passiveData = GasTransform.Apply(checkedModule.CompiledBytecode, capacityPages).PassiveData;
        }
        else
        {
            var transformed = GasTransform.Apply(checkedModule.CompiledBytecode, capacityPages);
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
            Capacity = capacity,
            Functions = checkedModule.Functions,
            HasInit = checkedModule.HasInit,
            Imports = checkedModule.Imports,
            BulkImports = [.. bulkImports],
            PassiveData = passiveData,
            GlobalResets = checkedModule.GlobalResets,
            NeedsFreshInstance = checkedModule.NeedsFreshInstance,
        };
    }

    /// <exception cref="CorruptStoreException">Wasmtime refuses the cached bytes (damaged though their checksum matches, or not a module of this engine).</exception>
    private Module Deserialize(Hash bytecode, string name, byte[] serialized)
    {
        try
        {
            return Module.Deserialize(_engine, name, serialized);
        }
        catch (WasmtimeException e)
        {
            throw new CorruptStoreException($"The compiled module cached for bytecode {bytecode} cannot be loaded ({e.Message.Split('\n')[0]}); remove it to recompile.", e);
        }
    }

    private static BulkMemoryImport[] AddedImports(Hash bytecode, Module module, int ownImports) =>
        module.Imports.Skip(ownImports)
            .Select(i => BulkMemoryImport.TryParse(i.ModuleName, i.Name, out var import)
                ? import
                : throw new CorruptStoreException($"The compiled module cached for bytecode {bytecode} imports {i.ModuleName}.{i.Name}, which the gas transform does not add; remove it to recompile."))
            .ToArray();

    public void Dispose()
    {
        foreach (var lazy in _loaded.Values)
            if (lazy.IsValueCreated) lazy.Value.Module.Dispose();
        _loaded.Clear();
    }
}
