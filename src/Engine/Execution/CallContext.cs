using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// The state of one attempt at a top-level call: the frame stack, events, the numbering of
/// inter-contract calls, and the failures already known from earlier attempts (which are
/// short-circuited). With <see cref="InPlaceUndo"/> a failed sub-call is undone where it failed and
/// the attempt goes on; otherwise a nested failure ends the attempt: everything is reverted and the
/// call re-run (see <see cref="SubCallUndo"/>).
/// </summary>
internal sealed class CallContext(Dictionary<int, NestedFailure> knownFailures, Action<ReadOnlyMemory<byte>>? feeder, long feedsDelivered, bool replaying)
{
    /// <summary>
    /// Debug output one attempt may add to the session's debug log, in characters (a line counts at
    /// least 64). <c>hdebug</c> costs no gas, so without a cap a loop of it fills the host's memory.
    /// </summary>
    public const int MaxDebugChars = 1 << 20;

    public List<Frame> Frames { get; } = [];
    public List<ContractEvent> Events { get; } = [];
    public HashSet<ContractState> Touched { get; } = [];
    public Dictionary<int, NestedFailure> KnownFailures { get; } = knownFailures;
    public Action<ReadOnlyMemory<byte>>? Feeder { get; } = feeder;

    /// <summary>True while a call already made is re-run to rebuild state: it feeds nothing and logs no debug lines.</summary>
    public bool Replaying { get; } = replaying;

    /// <summary>Items fed in this attempt so far (counted, not kept: an attempt re-run feeds the same items in the same order).</summary>
    public long FeedCount { get; private set; }

    /// <summary>Items already handed to the feeder by earlier attempts: the same prefix is not delivered twice.</summary>
    public long FeedsDelivered { get; private set; } = feedsDelivered;

    /// <summary>Characters of debug output this attempt added (see <see cref="MaxDebugChars"/>).</summary>
    public int DebugChars { get; set; }

    /// <summary>False while replaying (replays add no lines) or once the attempt reached <see cref="MaxDebugChars"/>.</summary>
    public bool TakesDebugLines => !Replaying && DebugChars < MaxDebugChars;

    /// <summary>Number of inter-contract calls started so far in this attempt; identifies them across attempts.</summary>
    public int CallCount { get; set; }

    /// <summary>The failure the innermost host function reported, to be picked up where the frame's call returns.</summary>
    public ContractError? PendingError { get; set; }

    /// <summary>Set when a new nested failure was found: every frame unwinds and the call is re-run.</summary>
    public bool Rerun { get; set; }

    /// <summary>An engine error (e.g. a corrupt store) raised inside a host function: the call unwinds and rethrows it.</summary>
    public Exception? Fatal { get; set; }

    public bool Unwinding => Rerun || Fatal is not null;

    /// <summary>True when sub-calls mark what they change and a failed one is undone in place (no re-run).</summary>
    public bool InPlaceUndo { get; init; }

    /// <summary>Set with <see cref="Rerun"/> when the re-run is to undo failed sub-calls in place (<see cref="SubCallUndo.OnDemand"/>).</summary>
    public bool RerunInPlace { get; set; }

    /// <summary>True once a failed sub-call of this attempt was undone in place.</summary>
    public bool UndidSubCallInPlace { get; set; }

    /// <summary>False once the top-level call was re-run in a fresh runtime for want of address space: a second want is final.</summary>
    public bool MayRenewForSpace { get; init; } = true;

    /// <summary>Set when an instance could not be made but a fresh runtime would give address space back: the call is reverted, the runtime renewed and the call re-run.</summary>
    public bool RenewForSpace { get; set; }

    public Frame Top => Frames[^1];

    /// <summary>The synthetic root caller of the top-level call (<see cref="RootCallContext"/>): reported below the frames, never a frame itself.</summary>
    public ContractId? RootCaller { get; init; }

    /// <summary>The session's call hook when the top-level call started; null in replays, which reuse <see cref="HookDecisions"/> instead.</summary>
    public Func<CallAttempt, string?>? Hook { get; init; }

    /// <summary>
    /// The hook's decision (null: allowed; else the rejection message) for each inter-contract call of
    /// the top-level call, by call index, shared by its attempts and kept for its replays, so that the
    /// hook sees each attempt once and a re-run or replay decides exactly as the first run did.
    /// </summary>
    public Dictionary<int, string?> HookDecisions { get; init; } = [];

    /// <summary>
    /// The callers of the frame at depth <paramref name="frames"/> (the frames below it, innermost
    /// first), then the synthetic root caller: what <c>callstack</c> reports and what a hook sees.
    /// </summary>
    public ContractId[] CallersBelow(int frames)
    {
        var ids = new ContractId[frames + (RootCaller is null ? 0 : 1)];
        for (int i = 0; i < frames; i++) ids[i] = Frames[frames - 1 - i].Contract.Id;
        if (RootCaller is { } root) ids[^1] = root;
        return ids;
    }

    /// <summary>Records why the current frame fails and returns the exception that unwinds it.</summary>
    public UnwindSignal Fail(ContractErrorKind kind, string message)
    {
        PendingError ??= new ContractError(kind, message);
        return UnwindSignal.Instance;
    }

    /// <summary>
    /// True when an exception from running a frame is the contract's failure (a trap, or a host
    /// function's recorded error) rather than an engine error that must reach the caller unchanged.
    /// </summary>
    public bool IsContractFailure(Exception exception) =>
        exception is WasmtimeException || (exception is UnwindSignal && PendingError is not null);

    public void Feed(byte[] item)
    {
        FeedCount++;
        if (Replaying || FeedCount <= FeedsDelivered) return;
        Feeder?.Invoke(item);
        FeedsDelivered = FeedCount;
    }

    /// <summary>A short-circuited sub-call's items: an earlier attempt delivered them.</summary>
    public void SkipFeeds(int count) => FeedCount += count;
}
