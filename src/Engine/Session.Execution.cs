using System.Runtime.ExceptionServices;
using Piecrust.Execution;
using Piecrust.Memory;
using Wasmtime;

namespace Piecrust;

public sealed partial class Session
{
    // With checkpointed memories, at most this many successful calls are kept for replay.
    private const int ReplayLimit = 64;

    private WasmRuntime _runtime;
    private long _generation;
    private CallContext? _call;
    private readonly List<LoggedCall> _replayLog = [];
    private readonly HashSet<ContractState> _sinceCheckpoint = [];
    private bool _broken;

    /// <summary>A successful top-level call since the last checkpoint, kept to be replayed after a failure.</summary>
    private sealed record LoggedCall(ContractState Target, string Function, byte[] Argument, ulong GasLimit, Dictionary<int, NestedFailure> Failures, byte[] Result);

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
    /// <exception cref="CallFailedException">The contract panicked, trapped or ran out of gas.</exception>
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
        var state = TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        if (!state.Code.Functions.Contains(function)) throw new FunctionNotFoundException(contract, function);
        return RunTopLevel(state, function, arg.ToArray(), gasLimit, feed);
    }

    /// <summary>
    /// Runs a top-level call to completion: a nested failure reverts the attempt and re-runs it with
    /// that sub-call short-circuited; a failure of the call itself reverts it and throws.
    /// </summary>
    private CallReceipt RunTopLevel(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder)
    {
        if (!StackRoom.HasRoom()) return RunOnHelperThread(target, function, argument, gasLimit, feeder);
        return RunWithStackRoom(target, function, argument, gasLimit, feeder);
    }

    /// <summary>A call from a thread with too little stack left for wasm (see <see cref="StackRoom"/>): run where there is enough.</summary>
    private CallReceipt RunOnHelperThread(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder) =>
        StackRoom.OnHelperThread(() => RunWithStackRoom(target, function, argument, gasLimit, feeder));

    private CallReceipt RunWithStackRoom(ContractState target, string function, byte[] argument, ulong gasLimit, Action<ReadOnlyMemory<byte>>? feeder)
    {
        var failures = new Dictionary<int, NestedFailure>();
        int debugStart = _debugLog.Count;
        long feedsDelivered = 0;
        while (true)
        {
            // A re-run may have abandoned the instances the failed attempt touched: renew here, not
            // only between top-level calls, or a call with many failing sub-calls piles them up.
            // Wasmtime frees instances only with their store: past this many unusable ones the
            // session goes on in another runtime so memory stays bounded.
            if (_runtime.NeedsRenewal)
            {
                Checkpoint();
                RenewRuntime();
            }
            _debugLog.RemoveRange(debugStart, _debugLog.Count - debugStart);
            var context = new CallContext(failures, feeder, feedsDelivered, replaying: false);
            try
            {
                var receipt = Execute(context, target, function, argument, gasLimit);
                RecordSuccess(context, new LoggedCall(target, function, argument, gasLimit, failures, receipt.Data));
                return receipt;
            }
            catch (Exception e)
            {
                // Decide what happened before reverting: the revert replays calls and resets the fuel.
                var fatal = context.Fatal;
                bool rerun = context.Rerun;
                CallFailedException? failure = null;
                if (fatal is null && !rerun && IsContractFailure(e, context))
                {
                    var error = Classify(e, context);
                    failure = error.ToException();
                    failure.Contract = context.Frames.Count > 0 ? context.Top.Contract.Id : target.Id;
                    failure.GasSpent = error.Kind == ContractErrorKind.OutOfGas ? gasLimit : gasLimit - _runtime.Store.Fuel;
                    failure.Events = context.Events.Select(ev => ev with { Reverted = true }).ToArray();
                }
                var debugLines = _debugLog.Skip(debugStart).ToArray();
                RevertToCheckpoint(context.Touched);
                _debugLog.RemoveRange(debugStart, _debugLog.Count - debugStart);
                _debugLog.AddRange(debugLines);
                if (fatal is not null) ExceptionDispatchInfo.Throw(fatal);
                if (rerun)
                {
                    feedsDelivered = context.FeedsDelivered;
                    continue;
                }
                if (failure is null) throw;
                throw failure;
            }
        }
    }

    /// <summary>One attempt at a top-level call; throws on any failure, leaving the revert to the caller.</summary>
    private CallReceipt Execute(CallContext context, ContractState target, string function, byte[] argument, ulong gasLimit)
    {
        if (_broken) throw new InvalidOperationException("This session is unusable: replaying its calls after a failure diverged (see the earlier error).");
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

    private void RecordSuccess(CallContext context, LoggedCall call)
    {
        bool logged = false;
        foreach (var state in context.Touched)
        {
            state.Memory.AfterCall(state.Wasm!);
            if (!state.Memory.NeedsCheckpoints) continue;
            _sinceCheckpoint.Add(state);
            logged = true;
        }
        if (logged) _replayLog.Add(call);
        _root = null;
        if (context.Touched.Any(s => s.Code.NeedsFreshInstance))
        {
            Checkpoint();
            foreach (var state in context.Touched.Where(s => s.Code.NeedsFreshInstance)) Abandon(state);
        }
        else if (_replayLog.Count >= ReplayLimit)
        {
            Checkpoint();
        }
    }

    /// <summary>Takes every write since the last checkpoint into the contracts' memories; no replay is needed before this point any more.</summary>
    private void Checkpoint()
    {
        foreach (var state in _sinceCheckpoint) state.Memory.Checkpoint(state.Wasm);
        _sinceCheckpoint.Clear();
        _replayLog.Clear();
    }

    /// <summary>
    /// Undoes everything since the last checkpoint (in place where the memory allows, else by
    /// dropping the instance), then replays the successful calls made since, so the session is
    /// exactly as before the failed call; then checkpoints, so a further failure replays nothing.
    /// </summary>
    private void RevertToCheckpoint(IEnumerable<ContractState> touched)
    {
        foreach (var state in _sinceCheckpoint.Concat(touched).Distinct().ToArray())
        {
            if (state.Instance is null) continue;
            if (!state.Memory.TryRevert(state.Wasm!)) Abandon(state);
        }
        _sinceCheckpoint.Clear();
        var calls = _replayLog.ToArray();
        _replayLog.Clear();
        foreach (var call in calls) Replay(call);
        Checkpoint();
    }

    private void Replay(LoggedCall call)
    {
        var context = new CallContext(new Dictionary<int, NestedFailure>(call.Failures), feeder: null, feedsDelivered: 0, replaying: true);
        CallReceipt receipt;
        try
        {
            receipt = Execute(context, call.Target, call.Function, call.Argument, call.GasLimit);
        }
        catch (Exception e)
        {
            _broken = true;
            throw new InvalidOperationException($"Replaying '{call.Function}' of {call.Target.Id} after a failed call diverged; host queries must be deterministic.", e);
        }
        if (context.Rerun || !receipt.Data.AsSpan().SequenceEqual(call.Result))
        {
            _broken = true;
            throw new InvalidOperationException($"Replaying '{call.Function}' of {call.Target.Id} after a failed call gave another result; host queries must be deterministic.");
        }
        RecordSuccess(context, call);
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
        var wasm = state.Wasm!;
        if (argument is not null && !wasm.TryWrite(state.Code.ArgumentBuffer, argument.AsSpan(0, argLength)))
            throw Fail(context, ContractErrorKind.Trap, $"the argument buffer at {state.Code.ArgumentBuffer} lies outside the current memory");

        int resultLength = state.Function(function)(argLength);
        // Wasmtime checks fuel at function entries and loop headers, so straight-line code can end
        // slightly past the limit with the counter clamped at zero: no gas left means out of gas.
        if (_runtime.Store.Fuel == 0) throw Fail(context, ContractErrorKind.OutOfGas, "The call ran out of gas.");
        if (resultLength is < 0 or > MaxArgumentSize)
            throw Fail(context, ContractErrorKind.Trap, $"'{function}' returned result length {resultLength}; it must be 0..{MaxArgumentSize}");
        var result = new byte[resultLength];
        wasm.Read(state.Code.ArgumentBuffer, result);
        context.Frames.RemoveAt(context.Frames.Count - 1);
        return result;
    }

    private void Instantiate(ContractState state, bool fresh)
    {
        // A committed state may go into an idle instance an earlier session left (memory all zeros,
        // or showing the state's image): after LoadInto it shows exactly what a new instance would,
        // and globals are reset per call.
        var idle = fresh ? null : _runtime.TakeIdle(state.Code, state.Memory.Length, state.Memory.BaseImage);
        state.Attach(idle ?? _runtime.Instantiate(state.Code));
        if (!fresh) state.Memory.LoadInto(state.Wasm!, idle?.Prior ?? PriorContent.DataSegments);
    }

    /// <summary>Drops a contract's instance (after its writes were reverted or checkpointed); the runtime clears it for reuse when it can.</summary>
    private void Abandon(ContractState state)
    {
        if (state.Detach() is { } live) Release(state, live);
    }

    /// <summary>Hands an instance the session is done with back to the runtime, its image kept when the memory allows.</summary>
    private void Release(ContractState state, LiveInstance live)
    {
        bool reusable = !state.Code.NeedsFreshInstance;
        _runtime.Release(live, reusable, reusable ? state.Memory.TryRestoreBaseImage(live.Memory) : null);
    }

    private void RenewRuntime()
    {
        foreach (var state in _contracts.Values) state.Detach();
        _runtime.Dispose();
        _runtime = _vm.Runtimes.Rent(this);
    }

    /// <summary>Records why the current frame fails and returns the exception that unwinds it.</summary>
    private static UnwindSignal Fail(CallContext context, ContractErrorKind kind, string message)
    {
        context.PendingError ??= new ContractError(kind, message);
        return UnwindSignal.Instance;
    }

    /// <summary>
    /// True when an exception from running a frame is the contract's failure (a trap, or a host
    /// function's recorded error) rather than an engine error that must reach the caller unchanged.
    /// </summary>
    private static bool IsContractFailure(Exception exception, CallContext context) =>
        exception is WasmtimeException || (exception is UnwindSignal && context.PendingError is not null);

    /// <summary>Why a frame's call failed: no gas left means out of gas; else what a host function reported; else the trap.</summary>
    private ContractError Classify(Exception exception, CallContext context)
    {
        var pending = context.PendingError;
        context.PendingError = null;
        if (_runtime.Store.Fuel == 0) return new ContractError(ContractErrorKind.OutOfGas, "The call ran out of gas.");
        if (pending is not null) return pending;
        return exception switch
        {
            TrapException trap => new ContractError(ContractErrorKind.Trap, $"The contract trapped: {TrapDescription(trap.Type)}."),
            WasmtimeException wasm => new ContractError(ContractErrorKind.Trap, $"The contract trapped: {wasm.Message.Split('\n')[0]}"),
            _ => new ContractError(ContractErrorKind.Trap, $"The contract failed: {exception.Message}"),
        };
    }

    private static string TrapDescription(TrapCode code) => code switch
    {
        TrapCode.StackOverflow => "call stack exhausted",
        TrapCode.MemoryOutOfBounds => "out-of-bounds memory access",
        TrapCode.HeapMisaligned => "misaligned memory access",
        TrapCode.TableOutOfBounds => "out-of-bounds table access",
        TrapCode.IndirectCallToNull => "indirect call to a null function",
        TrapCode.BadSignature => "indirect call signature mismatch",
        TrapCode.IntegerOverflow => "integer overflow",
        TrapCode.IntegerDivisionByZero => "integer division by zero",
        TrapCode.BadConversionToInteger => "invalid conversion to integer",
        TrapCode.Unreachable => "unreachable instruction executed",
        _ => code.ToString(),
    };
}
