using Piecrust.Memory;
using Piecrust.Modules;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// A Wasmtime store, the host functions bound in it and the instances made in it. Making a store,
/// binding the host functions and instantiating a module cost more than the rest of a short
/// session, so a session ends by handing its runtime back to the VM's <see cref="RuntimePool"/>:
/// the next session takes it over, and its idle instances (memories cleared, or still showing a committed image) serve the contracts
/// that session loads. The host functions (<see cref="HostImports"/>) serve the session that holds
/// the runtime through <see cref="Host"/>. Used by one session at a time.
/// </summary>
internal sealed class WasmRuntime : IDisposable
{
    /// <summary>
    /// Wasmtime frees instances only with their store: a runtime that has made this many is not
    /// kept for another session, and one with more than <see cref="MaxDead"/> instances it can no
    /// longer use is replaced mid-session. A block may call a hundred contracts deployed from one
    /// bytecode, each needing an instance of its own: the runtime keeps them all idle for the next
    /// block (<see cref="Release"/>), up to this many and <see cref="MaxKeptReservation"/>.
    /// </summary>
    private const int MaxInstances = 256;
    public const int MaxDead = 32;

    /// <summary>Address space dead instances may hold before the session moves to a fresh runtime: two 4 TiB memories (see <see cref="AddressSpaceBudget"/>).</summary>
    private const ulong MaxDeadReservation = 8UL << 40;

    /// <summary>
    /// Address space a session's runtime may hold between top-level calls, live instances included:
    /// eight 4 TiB memories, a third of <see cref="AddressSpaceBudget.Budget"/>. Past it the session
    /// goes on in a fresh runtime and makes again only the instances its next calls use, so no one
    /// session can starve the others of the process-wide budget by touching many 64-bit contracts.
    /// </summary>
    private const ulong MaxHeldReservation = 32UL << 40;

    /// <summary>Address space a runtime kept for another session may hold, idle instances included: four 4 TiB memories.</summary>
    private const ulong MaxKeptReservation = 16UL << 40;

    /// <summary>
    /// Image mappings the idle instances of one runtime may hold: each counts against the process's
    /// vm.max_map_count (65,530) for as long as the runtime waits in the pool (up to 16 of them, see
    /// <see cref="RuntimePool"/>), beside the few every instance has. Past it an instance is cleared.
    /// </summary>
    private const int MaxIdleMappings = 1024;

    /// <summary>
    /// Pages idle instances of one runtime may hold as private copies with a copy each (<see cref="IdleView"/>):
    /// 4,096 pages are 16 MiB of copies and 16 MiB of private pages per runtime. Past it an instance is cleared.
    /// </summary>
    private const int MaxIdleKeptPages = 4096;

    private readonly Dictionary<Hash, List<LiveInstance>> _idle = new();
    private readonly HostImports _hostImports;
    private Function[]? _imports32;
    private Function[]? _imports64;
    private readonly Dictionary<(BulkMemoryImport, bool), Function> _bulkImports = new();
    private readonly RuntimePool _pool;
    private int _instances;
    private ulong _reservation; // accounted in AddressSpaceBudget until the store is disposed
    private ulong _deadReservation;
    private bool _disposed;

    public WasmRuntime(RuntimePool pool, Wasmtime.Engine engine)
    {
        _pool = pool;
        Store = new Store(engine);
        // A memory is made at its capacity (CompiledContract.Capacity, already within VMOptions.MaxMemory).
        Store.SetLimits(memorySize: (long)WasmConfig.MaxMemory64, tableElements: 1_000_000, instances: 10_000, tables: 10_000, memories: 10_000);
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

    /// <summary>True when the session should go on in a fresh runtime, so dead instances' memory and address space are freed.</summary>
    public bool NeedsRenewal => Dead > MaxDead || _deadReservation > MaxDeadReservation || _reservation > MaxHeldReservation;

    /// <summary>True when the store holds any memory: a fresh runtime would give address space back.</summary>
    public bool HoldsAddressSpace => _reservation > 0;

    /// <summary>True when the runtime is worth keeping for another session.</summary>
    public bool Reusable => WithinKeepBounds(_instances, _reservation) && Dead <= MaxDead;

    /// <summary>
    /// True when one more instance of <paramref name="code"/> leaves the runtime worth keeping for
    /// another session (<see cref="Reusable"/>): the bound a warm-up (<see cref="VM.WarmUp"/>) keeps to,
    /// so the instances it makes are not thrown away with the runtime when it is handed back.
    /// </summary>
    public bool CanKeepAnother(CompiledContract code) =>
        WithinKeepBounds(_instances + 1, _reservation + AddressSpaceBudget.ReservationOf(code.Capacity));

    private static bool WithinKeepBounds(int instances, ulong reservation) => instances <= MaxInstances && reservation <= MaxKeptReservation;

    /// <summary>A new instance of <paramref name="code"/>: data segments applied, globals initial.</summary>
    /// <exception cref="EngineResourceException">No address space is left for its memory, or Wasmtime could not map it.</exception>
    public LiveInstance Instantiate(CompiledContract code)
    {
        ulong reservation = AddressSpaceBudget.ReservationOf(code.Capacity);
        Reserve(reservation);
        var imports = code.Is64 ? _imports64 ??= _hostImports.Bind(is64: true) : _imports32 ??= _hostImports.Bind(is64: false);
        var bound = new object[code.Imports.Length + code.BulkImports.Length];
        for (int i = 0; i < code.Imports.Length; i++) bound[i] = imports[(int)code.Imports[i]];
        for (int i = 0; i < code.BulkImports.Length; i++) bound[code.Imports.Length + i] = BulkImport(code.BulkImports[i], code.Is64);
        // Instantiation applies data segments, which Wasmtime meters as fuel: it must not cost the call gas.
        ulong fuel = Store.Fuel;
        Store.Fuel = ulong.MaxValue / 2;
        try
        {
            Instance instance;
            try
            {
                instance = new Instance(Store, code.Module, bound);
            }
            catch (WasmtimeException e) when (e is not TrapException)
            {
                // Instantiation of a validated module fails only for want of host resources (mmap).
                AddressSpaceBudget.Give(reservation);
                throw new EngineResourceException($"A contract instance could not be created: {e.Message.Split('\n')[0]}", e);
            }
            _instances++;
            _reservation += reservation;
            _pool.CountInstance();
            return new LiveInstance(code, instance);
        }
        finally
        {
            Store.Fuel = fuel;
        }
    }

    private static void Reserve(ulong bytes)
    {
        if (AddressSpaceBudget.TryTake(bytes)) return;
        RuntimePool.DropAllIdle(); // idle runtimes hold memories nothing uses
        if (AddressSpaceBudget.TryTake(bytes)) return;
        // Sessions dropped without Dispose: their stores free their memories when finalized (see the finalizer).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (AddressSpaceBudget.TryTake(bytes)) return;
        throw new EngineResourceException(
            $"No address space left for another contract memory of {bytes >> 30:N0} GiB: contract memories in this process reserve " +
            $"{AddressSpaceBudget.Reserved >> 40:N0} TiB of the {AddressSpaceBudget.Budget >> 40} TiB allowed (a 64-bit contract memory spans 4 TiB). " +
            "End other sessions, use fewer 64-bit contracts in one call, or lower VMOptions.MaxMemory.");
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
    /// show <paramref name="shows"/> cleanly, or as <paramref name="view"/> says (<see cref="IdleView"/>);
    /// without an image, or past the idle mappings' or private pages' bound, it is cleared here. A dead
    /// instance's memory is cleared too: it lives on in the store, but holds no pages or mappings.
    /// </summary>
    public void Release(LiveInstance live, bool reusable, ImageKey? shows, IdleView? view = null)
    {
        live.Show(shows, view); // not idle yet: the sums below are the others'
        if (live.ShownRuns + IdleMappings() > MaxIdleMappings || (live.View?.Kept.Count ?? 0) + IdleKeptPages() > MaxIdleKeptPages) shows = null;
        if (!reusable || shows is null) live.ClearMemory();
        if (!reusable)
        {
            Dead++;
            _deadReservation += AddressSpaceBudget.ReservationOf(live.Code.Capacity);
            return;
        }
        IdleOf(live.Code).Add(live);
    }

    /// <summary>Clears the memory of every idle instance showing an image <paramref name="forget"/> selects (it then shows zeros).</summary>
    public void ClearShown(Func<ImageKey, bool> forget)
    {
        foreach (var idle in _idle.Values)
            foreach (var live in idle)
                if (live.Shows is { } key && forget(key)) live.ClearMemory();
    }

    private int IdleMappings() => _idle.Values.Sum(idle => idle.Sum(live => live.ShownRuns));

    private int IdleKeptPages() => _idle.Values.Sum(idle => idle.Sum(live => live.View?.Kept.Count ?? 0));

    private List<LiveInstance> IdleOf(CompiledContract code)
    {
        if (!_idle.TryGetValue(code.Bytecode, out var idle)) _idle[code.Bytecode] = idle = [];
        return idle;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Store.Dispose();
        AddressSpaceBudget.Give(_reservation);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A runtime of a session that was never disposed: its store's own finalizer unmaps the memories,
    /// so their address space goes back to the account too (touches nothing but the counter).
    /// </summary>
    ~WasmRuntime() => AddressSpaceBudget.Give(_reservation);
}
