using System.Runtime.ExceptionServices;
using Piecrust.Execution;
using Piecrust.Memory;

namespace Piecrust;

/// <summary>
/// Runs a session's calls: owns its Wasmtime runtime and the contracts' live instances in it, the
/// call in progress, the debug log, and what undoing a failed call needs (the checkpoint, and the
/// successful calls made since, replayed after a revert: see CallRunner.Replay.cs); deploys and
/// migrations go through it too (CallRunner.Contracts.cs), since both replace instances. A nested
/// failure re-runs the top-level call with that sub-call short-circuited (CallRunner.NestedCalls.cs);
/// a failure of the call itself reverts it and is classified for the caller (CallRunner.Failures.cs).
/// The host imports reach the session through it (<see cref="ICallHost"/>). Used by one session thread.
/// </summary>
internal sealed partial class CallRunner : ICallHost, IDisposable
{
    // With checkpointed memories, at most this many successful calls are kept for replay, holding at
    // most ReplayBytesLimit of arguments and results. Every contract they touched is checkpointed when
    // the log is full, so a block calling M contracts in turn pays min(M, limit) checkpoints per limit
    // calls (each a page-table scan and a compare of the pages written): at 256, a block of 1,000
    // calls over 100 contracts checkpointed every memory four times before its commit did once more,
    // half the time of its calls (BlockBench). A failed call replays only the logged calls sharing its
    // contracts, each at most once before they are checkpointed.
    private const int ReplayLimit = 1_024;
    private const long ReplayBytesLimit = 16 << 20;
    private long _replayBytes; // arguments and results held by the replay log

    private readonly VM _vm;
    private readonly SessionState _state;
    private readonly List<string> _debugLog = [];
    private readonly List<LoggedCall> _replayLog = [];
    private readonly HashSet<ContractState> _sinceCheckpoint = [];
    private WasmRuntime _runtime;
    private long _generation;
    private CallContext? _call;
    private bool _broken; // a replay diverged: no more calls
    private readonly SubCallUndo _undo;
    // OnDemand: the functions (by contract) whose last successful call in this session undid a failed
    // sub-call. Their next call marks from the start, so a function whose sub-calls keep failing pays
    // no first attempt, revert and replay each time (BlockBench's failing forwards: ~230 µs each); one
    // call without a failure takes it off again, so a wrong guess costs at most one call's marks.
    private readonly HashSet<(ContractId Contract, string Function)> _marksFirst = [];
    private const int MaxMarksFirst = 1_024;
    private readonly List<ulong> _pageScratch = [];

    public CallRunner(VM vm, SessionState state)
    {
        _vm = vm;
        _state = state;
        _runtime = vm.Runtimes.Rent(this);
        // Marks scan page tables: where the kernel cannot do that cheaply, failures are re-executed.
        _undo = DirtyPageScanner.ScansInKernel ? vm.Options.SubCallUndo : SubCallUndo.Reexecute;
    }

    /// <summary>Top-level call attempts reverted and run again (a failed sub-call without marks, or a renewed runtime).</summary>
    internal int Reruns { get; private set; }

    /// <summary>The lines contracts wrote with <c>hdebug</c> so far, in order (a copy).</summary>
    public IReadOnlyList<string> DebugLog => _debugLog.ToArray();

    /// <summary>
    /// Calls <paramref name="function"/> of <paramref name="contract"/> (see <see cref="Run"/>), as if
    /// by <paramref name="root"/>'s synthetic caller when given, once the call hook allows it.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract, or no such synthetic caller.</exception>
    /// <exception cref="FunctionNotFoundException">The contract exports no such function.</exception>
    /// <exception cref="ContractPanicException">The call hook rejected the call (nothing ran).</exception>
    public CallReceipt Call(ContractId contract, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder, RootCallContext? root = null)
    {
        var state = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        if (!state.Code.Functions.Contains(function)) throw new FunctionNotFoundException(contract, function);
        var rootCaller = root?.SyntheticCaller;
        if (rootCaller is { } synthetic && _state.OwnerOf(synthetic) is null) throw new ContractNotFoundException(synthetic);
        ThrowIfBroken();
        ApproveTopLevel(contract, function, argument, rootCaller);
        return Run(state, function, argument, gasLimit, feeder, rootCaller);
    }

    /// <summary>
    /// Runs a top-level call to completion: a nested failure reverts the attempt and re-runs it with
    /// that sub-call short-circuited; a failure of the call itself reverts it and throws.
    /// </summary>
    public CallReceipt Run(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder, ContractId? rootCaller = null)
    {
        if (!StackRoom.HasRoom()) return RunOnHelperThread(target, function, argument, gasLimit, feeder, rootCaller);
        return RunWithStackRoom(target, function, argument, gasLimit, feeder, rootCaller);
    }

    /// <summary>A call from a thread with too little stack left for wasm (see <see cref="StackRoom"/>): run where there is enough.</summary>
    private CallReceipt RunOnHelperThread(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder, ContractId? rootCaller) =>
        StackRoom.OnHelperThread(() => RunWithStackRoom(target, function, argument, gasLimit, feeder, rootCaller));

    private CallReceipt RunWithStackRoom(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder, ContractId? rootCaller)
    {
        var failures = new Dictionary<int, NestedFailure>();
        var hook = _callHook; // SetCallHook cannot run during the call (the session's guard): one hook for all attempts
        var hookDecisions = new Dictionary<int, string?>();
        int debugStart = _debugLog.Count;
        long feedsDelivered = 0;
        bool renewForSpace = false, renewedForSpace = false;
        bool inPlace = _undo == SubCallUndo.InPlace || (_undo == SubCallUndo.OnDemand && _marksFirst.Contains((target.Id, function)));
        while (true)
        {
            // A re-run may have abandoned the instances the failed attempt touched: renew here, not
            // only between top-level calls, or a call with many failing sub-calls piles them up.
            // Wasmtime frees instances only with their store: past this many unusable ones the
            // session goes on in another runtime so memory stays bounded.
            if (_runtime.NeedsRenewal || renewForSpace)
            {
                Checkpoint();
                RenewRuntime();
                renewedForSpace |= renewForSpace;
                renewForSpace = false;
            }
            _debugLog.RemoveRange(debugStart, _debugLog.Count - debugStart);
            var context = new CallContext(failures, feeder, feedsDelivered, replaying: false)
            {
                MayRenewForSpace = !renewedForSpace,
                InPlaceUndo = inPlace,
                RootCaller = rootCaller,
                Hook = hook,
                HookDecisions = hookDecisions,
            };
            try
            {
                var receipt = Execute(context, target, function, argument, gasLimit);
                RecordSuccess(context, new LoggedCall(target, function, argument, gasLimit, failures, receipt.Data, rootCaller, hookDecisions));
                if (_undo == SubCallUndo.OnDemand) LearnMarksFirst(target.Id, function, context.UndidSubCallInPlace);
                return receipt;
            }
            catch (Exception e)
            {
                // Decide what happened before reverting: the revert replays calls and resets the fuel.
                var fatal = context.Fatal;
                bool rerun = context.Rerun || context.RenewForSpace;
                renewForSpace = context.RenewForSpace;
                var failure = fatal is null && !rerun && context.IsContractFailure(e) ? ToCallFailed(e, context, target, gasLimit) : null;
                var debugLines = _debugLog.Skip(debugStart).ToArray();
                RevertToCheckpoint(context.Touched);
                _debugLog.RemoveRange(debugStart, _debugLog.Count - debugStart);
                _debugLog.AddRange(debugLines);
                if (fatal is not null && !renewForSpace) ExceptionDispatchInfo.Throw(fatal);
                if (rerun)
                {
                    Reruns++;
                    inPlace |= context.RerunInPlace;
                    feedsDelivered = context.FeedsDelivered;
                    continue;
                }
                if (failure is null) throw;
                throw failure;
            }
        }
    }

    private void LearnMarksFirst(ContractId contract, string function, bool undidSubCall)
    {
        if (!undidSubCall)
        {
            if (_marksFirst.Count > 0) _marksFirst.Remove((contract, function));
            return;
        }
        if (_marksFirst.Count >= MaxMarksFirst) _marksFirst.Clear();
        _marksFirst.Add((contract, function));
    }

    /// <summary>One attempt at a top-level call; throws on any failure, leaving the revert to the caller.</summary>
    /// <exception cref="ReplayDivergedException">An earlier replay diverged: the session can run no more calls.</exception>
    private CallReceipt Execute(CallContext context, ContractState target, string function, byte[] argument, ulong gasLimit)
    {
        ThrowIfBroken();
        _call = context;
        _generation++;
        _runtime.Store.Fuel = gasLimit;
        var tree = new CallTree(target.Id, function, gasLimit);
        try
        {
            var frame = new Frame(target, gasLimit, tree);
            context.Frames.Add(frame);
            var result = Invoke(frame, function, argument, argument.Length);
            ulong spent = gasLimit - _runtime.Store.Fuel;
            tree.GasSpent = spent - frame.ChargedToChildren;
            return new CallReceipt(result, gasLimit, spent, context.Events.ToArray(), tree);
        }
        finally
        {
            _call = null;
        }
    }

    /// <exception cref="ReplayDivergedException">An earlier replay diverged: the session can run no more calls.</exception>
    private void ThrowIfBroken()
    {
        if (_broken) throw new ReplayDivergedException("This session is unusable: replaying its calls after a failure diverged (see the earlier error); start a new session.");
    }

    /// <summary>Runs one frame: instance ready, argument in place, export called, result read back.</summary>
    private byte[] Invoke(Frame frame, string function, byte[]? argument, int argLength)
    {
        var state = frame.Contract;
        var context = _call!;
        if (state.Instance is null) Instantiate(state, fresh: false);
        if (state.Generation != _generation)
        {
            state.ResetGlobals();
            state.Generation = _generation;
            context.Touched.Add(state);
        }
        // Before the frame changes anything: its contract as it is, should the sub-call fail.
        if (frame.Marks is { } marks && !marks.ContainsKey(state)) marks[state] = ContractMark.Take(state, _pageScratch);
        var memory = state.InstanceMemory!;
        if (argument is not null && !memory.TryWrite(state.Code.ArgumentBuffer, argument.AsSpan(0, argLength)))
            throw context.Fail(ContractErrorKind.Trap, $"the argument buffer at {state.Code.ArgumentBuffer} lies outside the current memory");

        int resultLength = state.Function(function)(argLength);
        // Wasmtime checks fuel at function entries and loop headers, so straight-line code can end
        // slightly past the limit with the counter clamped at zero: no gas left means out of gas.
        if (_runtime.Store.Fuel == 0) throw context.Fail(ContractErrorKind.OutOfGas, "The call ran out of gas.");
        if (resultLength is < 0 or > CallLimits.MaxArgumentSize)
            throw context.Fail(ContractErrorKind.Trap, $"'{function}' returned result length {resultLength}; it must be 0..{CallLimits.MaxArgumentSize}");
        var result = new byte[resultLength];
        memory.Read(state.Code.ArgumentBuffer, result);
        context.Frames.RemoveAt(context.Frames.Count - 1);
        return result;
    }

    // ---- what the host imports ask of the session (ICallHost; inter-contract calls in CallRunner.NestedCalls.cs) ----

    public CallContext Context => _call!;

    public ContractState? TryLoad(ContractId id) => _state.TryLoad(id);

    public byte[]? OwnerOf(ContractId id) => _state.OwnerOf(id);

    public byte[]? Metadata(string name) => _state.Metadata.GetValueOrDefault(name);

    public IHostQuery? HostQuery(string name) => _state.ExcludedHostQueries.Contains(name) ? null : _vm.HostQuery(name);

    public bool ContainHostQueryPanics => _state.ContainHostQueryPanics;

    public void AddDebugLine(CallContext context, string line)
    {
        if (!context.TakesDebugLines) return;
        _debugLog.Add(line);
        context.DebugChars += Math.Max(64, line.Length);
        if (context.DebugChars >= CallContext.MaxDebugChars)
            _debugLog.Add($"[piecrust: debug output of this call exceeded {CallContext.MaxDebugChars} characters; further lines are dropped]");
    }
}
