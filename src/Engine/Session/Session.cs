using Piecrust.Execution;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// A working copy of the state on top of a base commit: deploy contracts, call them, read the state
/// root, and commit. Contracts are loaded on first use; their instances stay warm between calls
/// (globals are reset at each top-level call, memory persists). A failed call or deploy leaves the
/// session exactly as before it. docs/ERRORS.md lists what each member can throw.
/// </summary>
/// <remarks>
/// A session serves one operation at a time: every member, <see cref="Dispose"/> included, refuses
/// with <see cref="SessionBusyException"/> while another is in progress, whether on another thread or
/// from a callback inside a running call (a feeder, a host query); the refused one changes nothing.
/// Different sessions may run on different threads at once. While a session lives it holds a lease
/// on its base, so deleting that commit never breaks it.
/// </remarks>
public sealed class Session : IDisposable
{
    /// <summary>Largest argument or result of a call: the size of the argument buffer.</summary>
    public const int MaxArgumentSize = CallLimits.MaxArgumentSize;

    /// <summary>Deepest call stack, top-level frame included.</summary>
    public const int MaxCallDepth = CallLimits.MaxCallDepth;

    // The facade checks arguments and takes the guard; the state and the runner do the work.
    private readonly VM _vm;
    private readonly SessionGuard _guard = new();
    private readonly SessionState _state;
    private readonly CallRunner _runner;
    private bool _disposed;

    internal Session(VM vm, SessionData? data)
    {
        _vm = vm;
        _state = new SessionState(vm, data);
        _runner = new CallRunner(vm, _state);
    }

    /// <summary>The commit this session's state is built on (null for the empty state); after <see cref="Commit"/>, that commit.</summary>
    public Hash? Base
    {
        get
        {
            using var entry = _guard.Enter(nameof(Base));
            return _state.BaseCommit;
        }
    }

    /// <summary>The lines contracts wrote with <c>hdebug</c> so far, in order (a copy: later calls do not change it).</summary>
    public IReadOnlyList<string> DebugLog
    {
        get
        {
            using var entry = _guard.Enter(nameof(DebugLog));
            return _runner.DebugLog;
        }
    }

    /// <summary>The state root of the session's current state: equal to what <see cref="Commit"/> would return now.</summary>
    public Hash Root
    {
        get
        {
            using var entry = _guard.Enter(nameof(Root));
            ThrowIfDisposed();
            if (_state.CachedRoot is { } root) return root;
            _runner.Checkpoint();
            return _state.ComputeRoot();
        }
    }

    /// <summary>
    /// Deploys a contract: validates the bytecode against the module rules, runs its <c>init</c> once
    /// with <see cref="ContractData.InitArg"/> and <paramref name="gasLimit"/> when an init argument is
    /// given (any array, even empty; leave it <c>default</c> to deploy without running <c>init</c>, as
    /// piecrust does without an init argument), and adds it to the session's state. The id is BLAKE3 of the bytecode unless <see cref="ContractData.Id"/> is given.
    /// </summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule (the message says which), or cannot be instantiated under the engine's limits.</exception>
    /// <exception cref="ContractAlreadyExistsException">A contract with that id exists.</exception>
    /// <exception cref="InvalidArgumentException">The owner is over 65,535 bytes or the init argument over 64 KiB, or an init argument was given to a contract without <c>init</c>.</exception>
    /// <exception cref="CallFailedException">The contract's <c>init</c> failed; nothing was deployed.</exception>
    /// <exception cref="ReplayDivergedException">An earlier replay of this session diverged: it runs no more calls.</exception>
    public ContractId Deploy(ReadOnlySpan<byte> bytecode, ContractData data, ulong gasLimit)
    {
        using var entry = _guard.Enter(nameof(Deploy));
        ThrowIfDisposed();
        if (data.Owner.Length > ushort.MaxValue)
            throw new InvalidArgumentException($"An owner is at most {ushort.MaxValue} bytes, got {data.Owner.Length}.");
        if (data.InitArg.Length > MaxArgumentSize)
            throw new InvalidArgumentException($"An init argument is at most {MaxArgumentSize} bytes, got {data.InitArg.Length}.");
        var code = bytecode.ToArray();
        var compiled = _vm.Modules.ForDeploy(code);
        var id = data.Id ?? new ContractId(compiled.Bytecode);
        if (_state.TryLoad(id) is not null) throw new ContractAlreadyExistsException(id);
        bool runInit = !data.InitArg.Equals(default(ReadOnlyMemory<byte>));
        if (runInit && !compiled.HasInit)
            throw new InvalidArgumentException("An init argument was given, but the contract has no 'init' function.");
        _runner.Deploy(id, compiled, data.Owner.ToArray(), code, runInit ? data.InitArg.ToArray() : null, gasLimit);
        return id;
    }

    /// <summary>
    /// Calls <paramref name="function"/> of <paramref name="contract"/> with <paramref name="arg"/>
    /// and at most <paramref name="gasLimit"/> gas. Atomic: on failure the session is exactly as before.
    /// </summary>
    /// <remarks>
    /// Contract code may use up to 512 KiB of native stack, nested calls included, and the engine
    /// keeps 512 KiB more for host code below it. The call runs on the calling thread when that
    /// thread has this 1 MiB left (the main thread and default-size threads, 8 MiB under the usual
    /// <c>ulimit -s</c>); otherwise on a helper thread of 1.5 MiB while the calling thread waits.
    /// Either way a contract that exhausts its stack fails with a <see cref="ContractTrapException"/>,
    /// never the process.
    /// </remarks>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="FunctionNotFoundException">The contract exports no such function.</exception>
    /// <exception cref="InvalidArgumentException">The argument is over 64 KiB, or the function is <c>init</c>.</exception>
    /// <exception cref="InvalidModuleException">The contract's (or a callee's) stored bytecode is over one of this VM's module limits (<see cref="InvalidModuleException.LimitOption"/>).</exception>
    /// <exception cref="CallFailedException">The contract panicked, trapped or ran out of gas.</exception>
    /// <exception cref="ReplayDivergedException">Undoing a failed call replayed an earlier one, which gave another result (a host query that is not deterministic); the session can run no more calls.</exception>
    /// <exception cref="SessionBusyException">Another operation of the session is in progress.</exception>
    public CallReceipt Call(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit)
    {
        using var entry = _guard.Enter(nameof(Call));
        return CallTopLevel(contract, function, arg, gasLimit, feed: null);
    }

    /// <summary>
    /// <see cref="Call"/>, handing every item the contract streams with <c>feed</c> to
    /// <paramref name="feed"/> as it is produced, on the thread running the call (see <see cref="Call"/>),
    /// which waits for it. The callback must not use the session (<see cref="SessionBusyException"/>).
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="FunctionNotFoundException">The contract exports no such function.</exception>
    /// <exception cref="InvalidArgumentException">The argument is over 64 KiB, or the function is <c>init</c>.</exception>
    /// <exception cref="InvalidModuleException">As for <see cref="Call"/>.</exception>
    /// <exception cref="CallFailedException">As for <see cref="Call"/>. An exception <paramref name="feed"/> throws ends the call, which is reverted, and reaches the caller unchanged.</exception>
    /// <exception cref="ReplayDivergedException">As for <see cref="Call"/>.</exception>
    public CallReceipt FeederCall(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feed)
    {
        using var entry = _guard.Enter(nameof(FeederCall));
        return CallTopLevel(contract, function, arg, gasLimit, feed);
    }

    private CallReceipt CallTopLevel(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feed)
    {
        ThrowIfDisposed();
        if (arg.Length > MaxArgumentSize)
            throw new InvalidArgumentException($"A call argument is at most {MaxArgumentSize} bytes, got {arg.Length}.");
        if (function == "init")
            throw new InvalidArgumentException("'init' is a contract's constructor: it runs once at deploy and can never be called.");
        var state = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        if (!state.Code.Functions.Contains(function)) throw new FunctionNotFoundException(contract, function);
        return _runner.Run(state, function, arg.ToArray(), gasLimit, feed);
    }

    /// <summary>
    /// Replaces a contract's code and keeps its memory (bytes and length), as piecrust's migrate
    /// does: the new bytecode must be a valid contract of the same pointer width whose initial
    /// memory fits in the current one. Its data segments are not applied and <c>init</c> does not
    /// run. Atomic: on any error nothing changes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidModuleException">The bytecode is invalid or does not fit the contract's memory.</exception>
    public void Migrate(ContractId contract, ReadOnlySpan<byte> bytecode)
    {
        using var entry = _guard.Enter(nameof(Migrate));
        ThrowIfDisposed();
        var old = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        var code = bytecode.ToArray();
        var compiled = _vm.Modules.ForDeploy(code);
        SessionState.CheckMigration(old, compiled);
        _runner.Checkpoint();
        _runner.Forget(old);
        _state.Migrate(old, compiled, code);
    }

    /// <summary>
    /// Writes the session's changes as a new commit (changed pages, the tree paths above them, new
    /// bytecode and the commit record, in one atomic batch) and returns its root. The session goes on
    /// with the new commit as its base.
    /// </summary>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error): nothing was committed and the session is as before.</exception>
    public Hash Commit()
    {
        using var entry = _guard.Enter(nameof(Commit));
        ThrowIfDisposed();
        _runner.Checkpoint();
        return _state.Commit();
    }

    /// <summary>The length in bytes of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public ulong MemoryLength(ContractId contract)
    {
        using var entry = _guard.Enter(nameof(MemoryLength));
        ThrowIfDisposed();
        return _state.MemoryLength(contract);
    }

    /// <summary>Page <paramref name="pageIndex"/> (4 KiB) of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The page is beyond the contract's address space.</exception>
    /// <exception cref="InvalidModuleException">The contract's stored bytecode is over one of this VM's module limits.</exception>
    public byte[] ReadPage(ContractId contract, ulong pageIndex)
    {
        using var entry = _guard.Enter(nameof(ReadPage));
        ThrowIfDisposed();
        var state = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        VM.CheckPageIndex(pageIndex, PageTree.HeightFor(state.Code.Is64));
        _runner.Checkpoint();
        var page = new byte[PageStore.PageSize];
        state.Memory.ReadPage(pageIndex, page);
        return page;
    }

    /// <summary>
    /// A proof of page <paramref name="pageIndex"/> of <paramref name="contract"/> against <see cref="Root"/>
    /// (uncommitted changes included), verifiable with <see cref="ProofVerifier"/>.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The page lies at or beyond the memory's length.</exception>
    public PageProof ProvePage(ContractId contract, ulong pageIndex)
    {
        using var entry = _guard.Enter(nameof(ProvePage));
        var staged = StageCurrent(out var root);
        return Proving.Page(_vm.Index, root, contract, pageIndex, staged);
    }

    /// <summary>A proof that <paramref name="contract"/> is absent from <see cref="Root"/>.</summary>
    /// <exception cref="ContractAlreadyExistsException">The contract exists.</exception>
    public AbsenceProof ProveAbsence(ContractId contract)
    {
        using var entry = _guard.Enter(nameof(ProveAbsence));
        var staged = StageCurrent(out var root);
        return _vm.Index.ProveAbsence(root, contract, staged) ?? throw new ContractAlreadyExistsException(contract);
    }

    /// <summary>
    /// A proof of bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of
    /// a contract's memory against <see cref="Root"/> (uncommitted changes included), with those bytes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The range reaches beyond the memory's length or is over <see cref="MerkleIndex.MaxRangeBytes"/>.</exception>
    public ProvenRange ProveRange(ContractId contract, ulong offset, ulong length)
    {
        using var entry = _guard.Enter(nameof(ProveRange));
        var staged = StageCurrent(out var root);
        return Proving.Ranges(_vm.Index, root, [new MemoryRange(contract, offset, length)], staged);
    }

    /// <summary>One proof of byte ranges of several contracts' memories against <see cref="Root"/>, with the bytes in ascending contract order.</summary>
    /// <exception cref="ContractNotFoundException">A contract does not exist.</exception>
    /// <exception cref="InvalidArgumentException">No ranges, a contract twice, a range beyond its memory's length, or too many bytes.</exception>
    public ProvenRange ProveRanges(IReadOnlyList<MemoryRange> ranges)
    {
        using var entry = _guard.Enter(nameof(ProveRanges));
        var staged = StageCurrent(out var root);
        return Proving.Ranges(_vm.Index, root, ranges, staged);
    }

    // The current root with everything a commit would write staged, so proofs see uncommitted changes.
    private StagedObjects StageCurrent(out Hash root)
    {
        ThrowIfDisposed();
        _runner.Checkpoint();
        return _state.StageCurrent(out root);
    }

    /// <summary>The metadata value contracts read with <c>hd</c>; null when absent.</summary>
    public byte[]? GetMeta(string name)
    {
        using var entry = _guard.Enter(nameof(GetMeta));
        return _state.Metadata.TryGetValue(name, out var value) ? value.ToArray() : null;
    }

    /// <summary>Sets a metadata value contracts read with <c>hd</c>.</summary>
    /// <exception cref="InvalidArgumentException">The value is over 64 KiB.</exception>
    public void SetMeta(string name, ReadOnlySpan<byte> value)
    {
        using var entry = _guard.Enter(nameof(SetMeta));
        ThrowIfDisposed();
        if (value.Length > MaxArgumentSize) throw new InvalidArgumentException($"A metadata value is at most {MaxArgumentSize} bytes, got {value.Length}.");
        _runner.Checkpoint(); // calls replayed after a failure must see the metadata they first saw
        _state.Metadata[name] = value.ToArray();
    }

    /// <summary>Removes a metadata value; true when it was there.</summary>
    public bool RemoveMeta(string name)
    {
        using var entry = _guard.Enter(nameof(RemoveMeta));
        ThrowIfDisposed();
        _runner.Checkpoint();
        return _state.Metadata.Remove(name);
    }

    /// <summary>Ends the session: its runtime goes back to the VM and its lease on the base ends. Disposing twice does nothing.</summary>
    /// <exception cref="SessionBusyException">Another operation of the session is in progress (a running call's instances must outlive it); the session stays usable.</exception>
    public void Dispose()
    {
        using var entry = _guard.Enter(nameof(Dispose));
        if (_disposed) return;
        _disposed = true;
        _runner.Dispose();
        _state.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
