using Piecrust.Memory;
using Piecrust.Modules;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// A Wasmtime store, the host functions bound in it and the instances made in it. Making a store,
/// binding the host functions and instantiating a module cost more than the rest of a short
/// session, so a session ends by handing its runtime back to the VM's <see cref="RuntimePool"/>:
/// the next session takes it over, and its idle instances (memories cleared) serve the contracts
/// that session loads. The host functions (<see cref="HostImports"/>) serve the session that holds
/// the runtime through <see cref="Host"/>. Used by one session at a time.
/// </summary>
internal sealed class WasmRuntime : IDisposable
{
    /// <summary>
    /// Wasmtime frees instances only with their store: a runtime that has made this many is not
    /// kept for another session, and one with more than <see cref="MaxDead"/> instances it can no
    /// longer use is replaced mid-session.
    /// </summary>
    private const int MaxInstances = 64;
    public const int MaxDead = 32;

    /// <summary>Idle instances kept per contract code: one per concurrent use is enough.</summary>
    private const int MaxIdlePerCode = 2;

    private readonly Dictionary<Hash, List<LiveInstance>> _idle = new();
    private readonly HostImports _hostImports;
    private Function[]? _imports32;
    private Function[]? _imports64;
    private readonly Dictionary<(BulkMemoryImport, bool), Function> _bulkImports = new();
    private readonly RuntimePool _pool;
    private int _instances;

    public WasmRuntime(RuntimePool pool, Wasmtime.Engine engine, ulong maxMemory)
    {
        _pool = pool;
        Store = new Store(engine);
        Store.SetLimits(memorySize: (long)Math.Min(WasmConfig.MaxMemory64, maxMemory), tableElements: 1_000_000, instances: 10_000, tables: 10_000, memories: 10_000);
        _hostImports = new HostImports(Store);
    }

    public Store Store { get; }

    /// <summary>The session side the host functions serve (its call runner); null while the runtime waits in the pool.</summary>
    public ICallHost? Host
    {
        get => _hostImports.Host;
        set => _hostImports.Host = value;
    }

    /// <summary>Instances made in this store that nothing will use again.</summary>
    public int Dead { get; private set; }

    /// <summary>True when the runtime is worth keeping for another session.</summary>
    public bool Reusable => _instances <= MaxInstances && Dead <= MaxDead;

    /// <summary>A new instance of <paramref name="code"/>: data segments applied, globals initial.</summary>
    public LiveInstance Instantiate(CompiledContract code)
    {
        var imports = code.Is64 ? _imports64 ??= _hostImports.Bind(is64: true) : _imports32 ??= _hostImports.Bind(is64: false);
        var bound = new object[code.Imports.Length + code.BulkImports.Length];
        for (int i = 0; i < code.Imports.Length; i++) bound[i] = imports[(int)code.Imports[i]];
        for (int i = 0; i < code.BulkImports.Length; i++) bound[code.Imports.Length + i] = BulkImport(code.BulkImports[i], code.Is64);
        // Instantiation applies data segments, which Wasmtime meters as fuel: it must not cost the call gas.
        ulong fuel = Store.Fuel;
        Store.Fuel = ulong.MaxValue / 2;
        try
        {
            var instance = new Instance(Store, code.Module, bound);
            _instances++;
            _pool.CountInstance();
            return new LiveInstance(code, instance);
        }
        finally
        {
            Store.Fuel = fuel;
        }
    }

    private Function BulkImport(BulkMemoryImport import, bool is64)
    {
        if (!_bulkImports.TryGetValue((import, is64), out var function))
            _bulkImports[(import, is64)] = function = _hostImports.BindBulkMemory(import, is64);
        return function;
    }

    /// <summary>
    /// An idle instance of <paramref name="code"/> for a memory of <paramref name="length"/> bytes,
    /// or null: preferably one showing <paramref name="image"/> already, else one whose memory is no
    /// longer (memories only grow, so a longer one cannot show a shorter state), cleared.
    /// </summary>
    public LiveInstance? TakeIdle(CompiledContract code, ulong length, ImageKey? image)
    {
        if (!_idle.TryGetValue(code.Bytecode, out var idle)) return null;
        int best = -1;
        for (int i = 0; i < idle.Count; i++)
        {
            if (image is not null && idle[i].Shows == image) { best = i; break; }
            if (best < 0 && idle[i].Memory.Length <= length) best = i;
        }
        if (best < 0) return null;
        var live = idle[best];
        idle.RemoveAt(best);
        if (live.Shows is { } shown && shown != image) live.ClearMemory();
        return live;
    }

    /// <summary>
    /// Keeps an instance a session is done with for a later one, or counts it dead. Its memory must
    /// show <paramref name="shows"/> cleanly; without an image it is cleared here. A dead instance's
    /// memory is cleared too: it lives on in the store, but holds no pages or mappings.
    /// </summary>
    public void Release(LiveInstance live, bool reusable, ImageKey? shows)
    {
        var idle = reusable ? IdleOf(live.Code) : null;
        bool keep = idle is { Count: < MaxIdlePerCode };
        if (!keep || shows is null) live.ClearMemory();
        if (!keep)
        {
            Dead++;
            return;
        }
        live.Shows = shows;
        idle!.Add(live);
    }

    /// <summary>Clears the memory of every idle instance showing an image <paramref name="forget"/> selects (it then shows zeros).</summary>
    public void ClearShown(Func<ImageKey, bool> forget)
    {
        foreach (var idle in _idle.Values)
            foreach (var live in idle)
                if (live.Shows is { } key && forget(key)) live.ClearMemory();
    }

    private List<LiveInstance> IdleOf(CompiledContract code)
    {
        if (!_idle.TryGetValue(code.Bytecode, out var idle)) _idle[code.Bytecode] = idle = [];
        return idle;
    }

    public void Dispose() => Store.Dispose();
}
