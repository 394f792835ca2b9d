using System.Text;
using Piecrust.Modules;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// The host functions of the ABI (<see cref="HostImport"/>), bound once in a runtime's store for each
/// pointer width. They read and write the running contract's memory by the ABI's pointer rules and
/// ask the rest of the session that holds the runtime (<see cref="Host"/>): contracts, metadata,
/// host queries, the debug log, inter-contract calls. A failure of contract input is recorded in
/// the call context and unwinds the frames (<see cref="CallContext.Fail"/>). The host functions the
/// gas transform puts in place of the bulk-memory operators are in HostImports.BulkMemory.cs.
/// </summary>
internal sealed partial class HostImports(Store store)
{
    private const int MaxNameLength = 1024;
    private const ulong EventGasPerByte = 4;
    private const string HostQueryPanicked = "host query panicked"; // piecrust's message, exactly
    private const int MaxArgumentSize = CallLimits.MaxArgumentSize;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The session side the functions serve: its call runner while a session holds the runtime, else null.</summary>
    public ICallHost? Host { get; set; }

    // The host side of the call running now (imports run only inside a call, so there is one).
    private ICallHost Running => Host!;

    /// <summary>The host functions for one pointer width, in <see cref="HostImport"/> order, bound in the runtime's store.</summary>
    public Function[] Bind(bool is64)
    {
        var f = new Function[HostImportTable.Count];
        var s = store;
        if (is64)
        {
            f[(int)HostImport.C] = Function.FromCallback(s, (long callee, long name, int nameLen, int argLen, long gas) => Guard(() => CallContract((ulong)callee, (ulong)name, nameLen, argLen, gas)));
            f[(int)HostImport.Hq] = Function.FromCallback(s, (long name, int nameLen, int argLen) => Guard(() => HostQuery((ulong)name, nameLen, argLen)));
            f[(int)HostImport.Hd] = Function.FromCallback(s, (long name, int nameLen) => Guard(() => HostData((ulong)name, nameLen)));
            f[(int)HostImport.Emit] = Function.FromCallback(s, (long topic, int topicLen, int argLen) => Guard(() => Emit((ulong)topic, topicLen, argLen)));
            f[(int)HostImport.Owner] = Function.FromCallback(s, (long id) => Guard(() => Owner((ulong)id)));
        }
        else
        {
            f[(int)HostImport.C] = Function.FromCallback(s, (int callee, int name, int nameLen, int argLen, long gas) => Guard(() => CallContract((uint)callee, (uint)name, nameLen, argLen, gas)));
            f[(int)HostImport.Hq] = Function.FromCallback(s, (int name, int nameLen, int argLen) => Guard(() => HostQuery((uint)name, nameLen, argLen)));
            f[(int)HostImport.Hd] = Function.FromCallback(s, (int name, int nameLen) => Guard(() => HostData((uint)name, nameLen)));
            f[(int)HostImport.Emit] = Function.FromCallback(s, (int topic, int topicLen, int argLen) => Guard(() => Emit((uint)topic, topicLen, argLen)));
            f[(int)HostImport.Owner] = Function.FromCallback(s, (int id) => Guard(() => Owner((uint)id)));
        }
        f[(int)HostImport.Feed] = Function.FromCallback(s, (int argLen) => Guard(() => Feed(argLen)));
        f[(int)HostImport.Caller] = Function.FromCallback(s, () => Guard(Caller));
        f[(int)HostImport.Callstack] = Function.FromCallback(s, () => Guard(Callstack));
        f[(int)HostImport.Limit] = Function.FromCallback(s, () => (long)Running.Context.Top.GasLimit);
        f[(int)HostImport.Spent] = Function.FromCallback(s, () => (long)(Running.Context.Top.GasLimit - s.Fuel));
        f[(int)HostImport.Panic] = Function.FromCallback(s, (int argLen) => Guard(() => Panic(argLen)));
        f[(int)HostImport.SelfId] = Function.FromCallback(s, () => Guard(SelfId));
        f[(int)HostImport.Hdebug] = Function.FromCallback(s, (int msgLen) => Guard(() => Debug(msgLen)));
        return f;
    }

    /// <summary>
    /// Runs a host function body. Contract failures were already recorded in the call context; any
    /// other exception is an engine error (e.g. a corrupt store) that must reach the caller of the
    /// top-level call unchanged, so it is recorded as fatal and the frames unwind.
    /// </summary>
    private T Guard<T>(Func<T> body)
    {
        var host = Running;
        try
        {
            return body();
        }
        catch (Exception e)
        {
            var context = host.Context;
            if (e is not UnwindSignal && !context.Unwinding && !context.IsContractFailure(e)) context.Fatal = e;
            throw UnwindSignal.Instance;
        }
    }

    private void Guard(Action body) => Guard(() => { body(); return 0; });

    // ---- c: inter-contract call ----

    private int CallContract(ulong calleePtr, ulong namePtr, int nameLen, int argLen, long gasArg)
    {
        const int DoesNotExist = -3, Unknown = int.MinValue;
        var context = Running.Context;
        var caller = context.Top;
        int callIndex = context.CallCount++;

        Span<byte> idBytes = stackalloc byte[ContractId.Size];
        if (!TryReadMemory(caller, calleePtr, idBytes)) return Unknown;
        if (nameLen is < 0 or > MaxNameLength || argLen is < 0 or > MaxArgumentSize) return Unknown;
        var nameBytes = new byte[nameLen];
        if (!TryReadMemory(caller, namePtr, nameBytes)) return Unknown;
        string name;
        try { name = StrictUtf8.GetString(nameBytes); }
        catch (DecoderFallbackException) { return Unknown; }

        // As in piecrust, the hook sees every well-formed attempt, before the depth, init and existence checks.
        var calleeId = ContractId.FromBytes(idBytes);
        if (Running.ApproveCall(callIndex, calleeId, name, argLen) is { } rejection)
        {
            WriteArgument(caller, ContractError.PanicPayload(rejection));
            return new ContractError(ContractErrorKind.Panic, rejection).CallCode;
        }
        if (context.Frames.Count >= CallLimits.MaxCallDepth || name == "init") return Unknown;

        var callee = Running.TryLoad(calleeId);
        if (callee is null) return DoesNotExist;
        if (!callee.Code.Functions.Contains(name)) return Unknown;
        return Running.CallContract(callIndex, caller, callee, name, argLen, gasArg);
    }

    // ---- the other imports ----

    private int HostQuery(ulong namePtr, int nameLen, int argLen)
    {
        var context = Running.Context;
        var frame = context.Top;
        var name = ReadString(frame, namePtr, nameLen, "host query name");
        var argument = ReadArgument(frame, argLen, "hq");
        var query = Running.HostQuery(name) ?? throw context.Fail(ContractErrorKind.Trap, $"unknown host query '{name}'");
        Charge(context, Contained(context, () => query.Price(argument)));
        var result = new byte[MaxArgumentSize];
        int length = Contained(context, () => query.Execute(argument, result));
        if (length is < 0 or > MaxArgumentSize)
            throw context.Fail(ContractErrorKind.Trap, $"host query '{name}' returned length {length}");
        WriteArgument(frame, result.AsSpan(0, length));
        return length;
    }

    /// <summary>
    /// Runs host-query code. Contained (the default), any exception it throws fails the frame as a
    /// panic with one fixed message, as piecrust does, so the outcome never depends on the exception;
    /// otherwise the exception is left to <see cref="Guard{T}"/>, which ends the call with it. A
    /// <see cref="SessionBusyException"/> (the query used the session running it) is the embedder's
    /// bug, not the query's failure: it always ends the call.
    /// </summary>
    private T Contained<T>(CallContext context, Func<T> hostQueryCode)
    {
        if (!Running.ContainHostQueryPanics) return hostQueryCode();
        try
        {
            return hostQueryCode();
        }
        catch (Exception e) when (e is not SessionBusyException)
        {
            throw context.Fail(ContractErrorKind.Panic, HostQueryPanicked);
        }
    }

    private int HostData(ulong namePtr, int nameLen)
    {
        var frame = Running.Context.Top;
        var name = ReadString(frame, namePtr, nameLen, "metadata name");
        if (Running.Metadata(name) is not { } value) return 0;
        WriteArgument(frame, value);
        return value.Length;
    }

    private void Emit(ulong topicPtr, int topicLen, int argLen)
    {
        var context = Running.Context;
        var frame = context.Top;
        var topic = ReadString(frame, topicPtr, topicLen, "event topic");
        var data = ReadArgument(frame, argLen, "emit");
        Charge(context, EventGasPerByte * (ulong)(topicLen + argLen));
        context.Events.Add(new ContractEvent(frame.Contract.Id, topic, data, Reverted: false));
    }

    private void Feed(int argLen)
    {
        var context = Running.Context;
        var data = ReadArgument(context.Top, argLen, "feed");
        if (context.Feeder is null && !context.Replaying) throw context.Fail(ContractErrorKind.Trap, "feed was called outside a feeder call");
        context.Feed(data);
    }

    // The caller is the frame below, or below the first frame a root context's synthetic caller.
    private int Caller()
    {
        var context = Running.Context;
        ContractId? caller = context.Frames.Count >= 2 ? context.Frames[^2].Contract.Id : context.RootCaller;
        if (caller is not { } id) return 0;
        WriteArgument(context.Top, id.ToArray());
        return 1;
    }

    private int Callstack()
    {
        var context = Running.Context;
        var callers = context.CallersBelow(context.Frames.Count - 1);
        var ids = new byte[callers.Length * ContractId.Size];
        for (int i = 0; i < callers.Length; i++) callers[i].CopyTo(ids.AsSpan(i * ContractId.Size));
        WriteArgument(context.Top, ids);
        return callers.Length;
    }

    private void Panic(int argLen)
    {
        var context = Running.Context;
        var message = ReadArgument(context.Top, argLen, "panic");
        throw context.Fail(ContractErrorKind.Panic, Encoding.UTF8.GetString(message));
    }

    private int Owner(ulong idPtr)
    {
        var frame = Running.Context.Top;
        byte[]? owner;
        if (idPtr == 0)
        {
            owner = frame.Contract.Owner;
        }
        else
        {
            var id = new byte[ContractId.Size];
            ReadMemory(frame, idPtr, id, "owner id");
            owner = Running.OwnerOf(ContractId.FromBytes(id));
        }
        if (owner is null) return 0;
        WriteArgument(frame, owner);
        return owner.Length;
    }

    private void SelfId()
    {
        var frame = Running.Context.Top;
        WriteArgument(frame, frame.Contract.Id.ToArray());
    }

    private void Debug(int msgLen)
    {
        var context = Running.Context;
        if (msgLen is < 0 or > MaxArgumentSize)
            throw context.Fail(ContractErrorKind.Trap, $"hdebug: length {msgLen} is outside the argument buffer (0..{MaxArgumentSize})");
        if (!context.TakesDebugLines) return; // replays add no lines; the cap was reached (and noted) earlier
        Running.AddDebugLine(context, Encoding.UTF8.GetString(ReadArgument(context.Top, msgLen, "hdebug")));
    }

    // ---- gas and memory access with the ABI's pointer rules ----

    private void Charge(CallContext context, ulong gas)
    {
        ulong remaining = store.Fuel;
        if (gas > remaining)
        {
            store.Fuel = 0;
            throw context.Fail(ContractErrorKind.OutOfGas, "The call ran out of gas.");
        }
        store.Fuel = remaining - gas;
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="pointer"/>; false when the range is not inside the maximum memory size.</summary>
    private static bool TryReadMemory(Frame frame, ulong pointer, Span<byte> destination)
    {
        ulong max = frame.Contract.Code.Capacity;
        if (pointer > max || max - pointer < (ulong)destination.Length) return false;
        frame.Contract.InstanceMemory!.Read(pointer, destination);
        return true;
    }

    private void ReadMemory(Frame frame, ulong pointer, Span<byte> destination, string what)
    {
        if (!TryReadMemory(frame, pointer, destination))
            throw Running.Context.Fail(ContractErrorKind.Trap,
                $"out of bounds: {what} at {pointer} (+{destination.Length} bytes) lies outside the maximum memory size {frame.Contract.Code.Capacity}");
    }

    private string ReadString(Frame frame, ulong pointer, int length, string what)
    {
        if (length is < 0 or > MaxArgumentSize)
            throw Running.Context.Fail(ContractErrorKind.Trap, $"invalid {what} length {length}");
        var bytes = new byte[length];
        ReadMemory(frame, pointer, bytes, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Running.Context.Fail(ContractErrorKind.Trap, $"the {what} is not valid UTF-8");
        }
    }

    private byte[] ReadArgument(Frame frame, int length, string import)
    {
        if (length is < 0 or > MaxArgumentSize)
            throw Running.Context.Fail(ContractErrorKind.Trap, $"{import}: length {length} is outside the argument buffer (0..{MaxArgumentSize})");
        var bytes = new byte[length];
        frame.Contract.InstanceMemory!.Read(frame.Contract.Code.ArgumentBuffer, bytes);
        return bytes;
    }

    private void WriteArgument(Frame frame, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxArgumentSize)
            throw Running.Context.Fail(ContractErrorKind.Trap, $"a result of {bytes.Length} bytes does not fit the argument buffer");
        if (!frame.Contract.InstanceMemory!.TryWrite(frame.Contract.Code.ArgumentBuffer, bytes))
            throw Running.Context.Fail(ContractErrorKind.Trap, "the argument buffer lies outside the current memory");
    }
}
