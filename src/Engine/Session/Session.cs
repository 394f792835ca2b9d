using Piecrust.Execution;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// A working copy of the state on top of a base commit: deploy contracts, call them, read the state
/// root, and commit. Contracts are loaded on first use; their instances stay warm between calls
/// (globals are reset at each top-level call, memory persists). A failed call or deploy leaves the
/// session exactly as before it. docs/ERRORS.md lists what each member can throw. Reads and proofs
/// of the current state are in Session.Reads.cs; the facade holds no state of its own beyond the
/// guard: <see cref="SessionState"/> and <see cref="CallRunner"/> do the work.
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
    public const int MaxArgumentSize = CallLimits.MaxArgumentSize;

    /// <summary>Deepest call stack, top-level frame included.</summary>
    public const int MaxCallDepth = CallLimits.MaxCallDepth;

    // The facade checks arguments and takes the guard; the state and the runner do the work.
    private readonly VM _vm;
    private readonly SessionGuard _guard = new();
    private readonly SessionState _state;
    private readonly CallRunner _runner;

    /// <summary>Top-level call attempts this session reverted and ran again (see <see cref="Execution.SubCallUndo"/>).</summary>
    internal int Reruns => _runner.Reruns;
    private bool _disposed;

    internal Session(VM vm, SessionData? data)
    {
        _vm = vm;
        _state = new SessionState(vm, data);
        _runner = new CallRunner(vm, _state);
    }

    /// <summary>The commit this session's state is built on (null for the empty state); after <see cref="Commit"/>, that commit.</summary>
    public Hash? Base => Guarded(nameof(Base), () => _state.BaseCommit);

    /// <summary>The lines contracts wrote with <c>hdebug</c> so far, in order (a copy: later calls do not change it).</summary>
    public IReadOnlyList<string> DebugLog => Guarded(nameof(DebugLog), () => _runner.DebugLog);

    /// <summary>The state root of the session's current state: equal to what <see cref="Commit"/> would return now.</summary>
    public Hash Root
    {
        get
        {
            using var entry = EnterLive(nameof(Root));
            return _state.CachedRoot ?? _runner.CheckpointedRoot();
        }
    }

    /// <summary>
    /// Deploys a contract: validates the bytecode against the module rules and adds it to the
    /// session's state, then, when the contract exports <c>init</c>, runs it once with
    /// <see cref="ContractData.InitArg"/> (empty when none is given) and <paramref name="gasLimit"/>,
    /// as piecrust ≥ 0.31 does; an init argument for a contract without <c>init</c> is ignored, as
    /// there. The id is BLAKE3 of the bytecode unless <see cref="ContractData.Id"/> is given.
    /// <see cref="DeployWithReceipt"/> returns <c>init</c>'s receipt too.
    /// </summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule (the message says which), or cannot be instantiated under the engine's limits.</exception>
    /// <exception cref="ContractAlreadyExistsException">A contract with that id exists.</exception>
    /// <exception cref="InvalidArgumentException">The owner is over 65,535 bytes or the init argument over 64 KiB.</exception>
    /// <exception cref="CallFailedException">The contract's <c>init</c> failed; nothing was deployed.</exception>
    /// <exception cref="ReplayDivergedException">An earlier replay of this session diverged: it runs no more calls.</exception>
    public ContractId Deploy(ReadOnlySpan<byte> bytecode, ContractData data, ulong gasLimit)
    {
        using var entry = EnterLive(nameof(Deploy));
        SessionArguments.CheckDeploy(data);
        return _runner.Deploy(bytecode.ToArray(), data, gasLimit).Id;
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
    /// <exception cref="CallFailedException">The contract panicked, trapped or ran out of gas, or the call hook rejected the call (<see cref="SetCallHook"/>).</exception>
    /// <exception cref="ReplayDivergedException">Undoing a failed call replayed an earlier one, which gave another result (a host query that is not deterministic); the session can run no more calls.</exception>
    /// <exception cref="SessionBusyException">Another operation of the session is in progress.</exception>
    public CallReceipt Call(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit)
    {
        using var entry = EnterLive(nameof(Call));
        SessionArguments.CheckCall(function, arg);
        return _runner.Call(contract, function, arg.ToArray(), gasLimit, feeder: null);
    }

    /// <summary>
    /// <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>, handing every item the contract streams with <c>feed</c> to
    /// <paramref name="feed"/> as it is produced, on the thread running the call (see <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>),
    /// which waits for it. The callback must not use the session (<see cref="SessionBusyException"/>).
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="FunctionNotFoundException">The contract exports no such function.</exception>
    /// <exception cref="InvalidArgumentException">The argument is over 64 KiB, or the function is <c>init</c>.</exception>
    /// <exception cref="InvalidModuleException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>.</exception>
    /// <exception cref="CallFailedException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>. An exception <paramref name="feed"/> throws ends the call, which is reverted, and reaches the caller unchanged.</exception>
    /// <exception cref="ReplayDivergedException">As for <see cref="Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/>.</exception>
    public CallReceipt FeederCall(ContractId contract, string function, ReadOnlySpan<byte> arg, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feed)
    {
        using var entry = EnterLive(nameof(FeederCall));
        SessionArguments.CheckCall(function, arg);
        return _runner.Call(contract, function, arg.ToArray(), gasLimit, feed);
    }

    /// <summary>
    /// Replaces a contract's code and keeps its memory (bytes and length): the new bytecode must be
    /// a valid contract of the same pointer width whose initial memory fits in the current one. Its
    /// data segments are not applied and <c>init</c> does not run. The owner becomes
    /// <paramref name="owner"/> when given, else stays the contract's, as in piecrust's
    /// <c>migrate</c>. Piecrust instead deploys the new code as a new contract, runs a closure
    /// (typically calls copying the old state over) and moves the result under the old id; here the
    /// memory carries over as it is (see the README's compatibility table). Atomic: on any error
    /// nothing changes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidModuleException">The bytecode is invalid or does not fit the contract's memory.</exception>
    /// <exception cref="EngineResourceException">The contract's memory is longer than this VM's <see cref="VMOptions.MaxMemory"/> allows (as its calls would be refused).</exception>
    /// <exception cref="InvalidArgumentException">The owner is over 65,535 bytes.</exception>
    public void Migrate(ContractId contract, ReadOnlySpan<byte> bytecode, ReadOnlyMemory<byte>? owner = null)
    {
        using var entry = EnterLive(nameof(Migrate));
        if (owner is { Length: > ushort.MaxValue })
            throw new InvalidArgumentException($"An owner is at most {ushort.MaxValue} bytes, got {owner.Value.Length}.");
        _runner.Migrate(contract, bytecode.ToArray(), owner?.ToArray());
    }

    /// <summary>
    /// Writes the session's changes as a new commit (changed pages, the tree paths above them, new
    /// bytecode and the commit record, in one atomic batch) and returns its root. The session goes on
    /// with the new commit as its base.
    /// </summary>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error): nothing was committed and the session is as before.</exception>
    public Hash Commit()
    {
        using var entry = EnterLive(nameof(Commit));
        _runner.Checkpoint();
        return _state.Commit();
    }

    /// <summary>The metadata value contracts read with <c>hd</c>; null when absent.</summary>
    public byte[]? GetMeta(string name) => Guarded(nameof(GetMeta), () => _state.Metadata.GetValueOrDefault(name)?.ToArray());

    /// <summary>Sets a metadata value contracts read with <c>hd</c>.</summary>
    /// <exception cref="InvalidArgumentException">The value is over 64 KiB.</exception>
    public void SetMeta(string name, ReadOnlySpan<byte> value)
    {
        using var entry = EnterLive(nameof(SetMeta));
        SessionArguments.CheckMetadata(value);
        _runner.Checkpoint(); // calls replayed after a failure must see the metadata they first saw
        _state.Metadata[name] = value.ToArray();
    }

    /// <summary>Removes a metadata value; true when it was there.</summary>
    public bool RemoveMeta(string name)
    {
        using var entry = EnterLive(nameof(RemoveMeta));
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

    // A value read under the guard (for the members that do nothing else).
    private T Guarded<T>(string member, Func<T> value)
    {
        using var entry = _guard.Enter(member);
        return value();
    }

    // The guard for a member that needs a live session: a disposed one is refused, and the guard left.
    private SessionGuard.Entry EnterLive(string member)
    {
        var entry = _guard.Enter(member);
        if (!_disposed) return entry;
        entry.Dispose();
        throw new ObjectDisposedException(GetType().FullName);
    }
}
