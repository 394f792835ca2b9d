using Piecrust.Execution;
using Piecrust.Merkle;
using Wasmtime;

namespace Piecrust;

/// <summary>
/// A working copy of the state on top of a base commit: deploy contracts, call them, read the state
/// root, and commit. Contracts are loaded on first use; their instances stay warm between calls
/// (globals are reset at each top-level call, memory persists). A failed call or deploy leaves the
/// session exactly as before it.
/// </summary>
/// <remarks>
/// A session serves one operation at a time: every member, <see cref="Dispose"/> included, refuses
/// with <see cref="SessionBusyException"/> while another is in progress, whether on another thread or
/// from a callback inside a running call (a feeder, a host query); the refused one changes nothing.
/// Different sessions may run on different threads at once. While a session lives it holds a lease
/// on its base, so deleting that commit never breaks it.
/// </remarks>
public sealed partial class Session : IDisposable
{
    /// <summary>Largest argument or result of a call: the size of the argument buffer.</summary>
    public const int MaxArgumentSize = 65536;

    /// <summary>Deepest call stack, top-level frame included.</summary>
    public const int MaxCallDepth = 48;

    private readonly VM _vm;
    private readonly Dictionary<string, byte[]> _metadata;
    private readonly Dictionary<ContractId, ContractState> _contracts = new();
    private readonly List<string> _debugLog = [];
    private readonly SessionGuard _guard = new();
    private Hash _baseRoot;
    private Hash? _baseCommit;
    private IDisposable? _lease;
    private Hash? _root;
    private bool _disposed;

    internal Session(VM vm, SessionData? data)
    {
        _vm = vm;
        _metadata = data?.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()) ?? new Dictionary<string, byte[]>();
        if (data?.Base is { } root)
        {
            _lease = vm.Store.Lease(root);
            _baseCommit = root;
            _baseRoot = root;
        }
        else
        {
            _baseRoot = Domain.EmptyState;
        }
        _runtime = vm.Runtimes.Rent(this);
    }

    /// <summary>The commit this session's state is built on (null for the empty state); after <see cref="Commit"/>, that commit.</summary>
    public Hash? Base
    {
        get
        {
            using var entry = _guard.Enter(nameof(Base));
            return _baseCommit;
        }
    }

    /// <summary>The lines contracts wrote with <c>hdebug</c> so far, in order (a copy: later calls do not change it).</summary>
    public IReadOnlyList<string> DebugLog
    {
        get
        {
            using var entry = _guard.Enter(nameof(DebugLog));
            return _debugLog.ToArray();
        }
    }

    /// <summary>The state root of the session's current state: equal to what <see cref="Commit"/> would return now.</summary>
    public Hash Root
    {
        get
        {
            using var entry = _guard.Enter(nameof(Root));
            ThrowIfDisposed();
            if (_root is { } root) return root;
            Checkpoint();
            return (_root = ComputeRoot(new Storage.StagedObjects(), out _)).Value;
        }
    }

    /// <summary>The length in bytes of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public ulong MemoryLength(ContractId contract)
    {
        using var entry = _guard.Enter(nameof(MemoryLength));
        ThrowIfDisposed();
        // A live instance holds every successful call's growth; a checkpointed memory may not have seen it yet.
        if (_contracts.TryGetValue(contract, out var state)) return state.Wasm?.Length ?? state.Memory.Length;
        return _vm.Index.GetContract(_baseRoot, contract)?.MemoryLength ?? throw new ContractNotFoundException(contract);
    }

    /// <summary>The metadata value contracts read with <c>hd</c>; null when absent.</summary>
    public byte[]? GetMeta(string name)
    {
        using var entry = _guard.Enter(nameof(GetMeta));
        return _metadata.TryGetValue(name, out var value) ? value.ToArray() : null;
    }

    /// <summary>Sets a metadata value contracts read with <c>hd</c>.</summary>
    public void SetMeta(string name, ReadOnlySpan<byte> value)
    {
        using var entry = _guard.Enter(nameof(SetMeta));
        ThrowIfDisposed();
        if (value.Length > MaxArgumentSize) throw new InvalidArgumentException($"A metadata value is at most {MaxArgumentSize} bytes, got {value.Length}.");
        Checkpoint(); // calls replayed after a failure must see the metadata they first saw
        _metadata[name] = value.ToArray();
    }

    /// <summary>Removes a metadata value; true when it was there.</summary>
    public bool RemoveMeta(string name)
    {
        using var entry = _guard.Enter(nameof(RemoveMeta));
        ThrowIfDisposed();
        Checkpoint();
        return _metadata.Remove(name);
    }

    /// <summary>Ends the session: its runtime goes back to the VM and its lease on the base ends. Disposing twice does nothing.</summary>
    /// <exception cref="SessionBusyException">Another operation of the session is in progress (a running call's instances must outlive it); the session stays usable.</exception>
    public void Dispose()
    {
        using var entry = _guard.Enter(nameof(Dispose));
        if (_disposed) return;
        _disposed = true;
        // The runtime goes back to the VM for the next session, its instances' memories cleared;
        // one that cannot be cleared goes with its store.
        bool cleared = true;
        foreach (var state in _contracts.Values)
        {
            if (state.Detach() is { } live && cleared)
            {
                try
                {
                    Release(state, live);
                }
                catch (InvalidOperationException)
                {
                    cleared = false;
                }
            }
            state.Memory.Dispose();
        }
        if (cleared) _vm.Runtimes.Return(_runtime);
        else _runtime.Dispose();
        _lease?.Dispose();
        _lease = null;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
