using System.Buffers.Binary;
using System.Text;
using Piecrust.Execution;
using Piecrust.Runtime;
using Wasmtime;

namespace Piecrust;

public sealed partial class Session
{
    private const int MaxNameLength = 1024;
    private const ulong EventGasPerByte = 4;

    /// <summary>
    /// Debug output one top-level call may add to <see cref="DebugLog"/>, in characters (a line counts
    /// at least 64). <c>hdebug</c> costs no gas, so without a cap a loop of it fills the host's memory.
    /// </summary>
    private const int MaxDebugCharsPerCall = 1 << 20;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The host functions for one pointer width, in <see cref="HostImport"/> order, bound in
    /// <paramref name="runtime"/>'s store: each serves the session that holds the runtime when it runs.
    /// </summary>
    internal static Function[] CreateImports(WasmRuntime runtime, bool is64)
    {
        var f = new Function[HostImports.Count];
        var s = runtime.Store;
        var r = runtime;
        if (is64)
        {
            f[(int)HostImport.C] = Function.FromCallback(s, (long callee, long name, int nameLen, int argLen, long gas) => Guard(r, h => h.CallContract((ulong)callee, (ulong)name, nameLen, argLen, gas)));
            f[(int)HostImport.Hq] = Function.FromCallback(s, (long name, int nameLen, int argLen) => Guard(r, h => h.HostQuery((ulong)name, nameLen, argLen)));
            f[(int)HostImport.Hd] = Function.FromCallback(s, (long name, int nameLen) => Guard(r, h => h.HostData((ulong)name, nameLen)));
            f[(int)HostImport.Emit] = Function.FromCallback(s, (long topic, int topicLen, int argLen) => Guard(r, h => h.Emit((ulong)topic, topicLen, argLen)));
            f[(int)HostImport.Owner] = Function.FromCallback(s, (long id) => Guard(r, h => h.Owner((ulong)id)));
        }
        else
        {
            f[(int)HostImport.C] = Function.FromCallback(s, (int callee, int name, int nameLen, int argLen, long gas) => Guard(r, h => h.CallContract((uint)callee, (uint)name, nameLen, argLen, gas)));
            f[(int)HostImport.Hq] = Function.FromCallback(s, (int name, int nameLen, int argLen) => Guard(r, h => h.HostQuery((uint)name, nameLen, argLen)));
            f[(int)HostImport.Hd] = Function.FromCallback(s, (int name, int nameLen) => Guard(r, h => h.HostData((uint)name, nameLen)));
            f[(int)HostImport.Emit] = Function.FromCallback(s, (int topic, int topicLen, int argLen) => Guard(r, h => h.Emit((uint)topic, topicLen, argLen)));
            f[(int)HostImport.Owner] = Function.FromCallback(s, (int id) => Guard(r, h => h.Owner((uint)id)));
        }
        f[(int)HostImport.Feed] = Function.FromCallback(s, (int argLen) => Guard(r, h => h.Feed(argLen)));
        f[(int)HostImport.Caller] = Function.FromCallback(s, () => Guard(r, h => h.Caller()));
        f[(int)HostImport.Callstack] = Function.FromCallback(s, () => Guard(r, h => h.Callstack()));
        f[(int)HostImport.Limit] = Function.FromCallback(s, () => (long)r.Session!._call!.Top.GasLimit);
        f[(int)HostImport.Spent] = Function.FromCallback(s, () => (long)(r.Session!._call!.Top.GasLimit - s.Fuel));
        f[(int)HostImport.Panic] = Function.FromCallback(s, (int argLen) => Guard(r, h => h.Panic(argLen)));
        f[(int)HostImport.SelfId] = Function.FromCallback(s, () => Guard(r, h => h.SelfId()));
        f[(int)HostImport.Hdebug] = Function.FromCallback(s, (int msgLen) => Guard(r, h => h.Debug(msgLen)));
        return f;
    }

    /// <summary>
    /// Runs a host function body. Contract failures were already recorded in the call context; any
    /// other exception is an engine error (e.g. a corrupt store) that must reach the caller of the
    /// top-level call unchanged, so it is recorded as fatal and the frames unwind.
    /// </summary>
    private static T Guard<T>(WasmRuntime runtime, Func<Session, T> body)
    {
        var session = runtime.Session!;
        try
        {
            return body(session);
        }
        catch (Exception e)
        {
            var context = session._call!;
            if (e is not UnwindSignal && !context.Unwinding && !IsContractFailure(e, context)) context.Fatal = e;
            throw UnwindSignal.Instance;
        }
    }

    private static void Guard(WasmRuntime runtime, Action<Session> body) => Guard(runtime, s => { body(s); return 0; });

    // ---- c: inter-contract call ----

    private int CallContract(ulong calleePtr, ulong namePtr, int nameLen, int argLen, long gasArg)
    {
        const int DoesNotExist = -3, Unknown = int.MinValue;
        var context = _call!;
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
        if (context.Frames.Count >= MaxCallDepth || name == "init") return Unknown;

        var calleeId = ContractId.FromBytes(idBytes);
        var callee = TryLoad(calleeId);
        if (callee is null) return DoesNotExist;
        if (!callee.Code.Functions.Contains(name)) return Unknown;

        ulong remaining = _runtime.Store.Fuel;
        ulong limit = gasArg > 0 && (ulong)gasArg < remaining ? (ulong)gasArg : remaining * 93 / 100;
        var node = new CallTree(calleeId, name, limit);
        caller.Node.Add(node);

        if (context.KnownFailures.TryGetValue(callIndex, out var failure))
            return ReplayFailure(context, caller, node, limit, remaining, failure);

        var argument = new byte[argLen];
        caller.Contract.Wasm!.Read(caller.Contract.Code.ArgumentBuffer, argument);
        int eventsStart = context.Events.Count, debugStart = _debugLog.Count, feedsStart = context.Feeds.Count;
        var frame = new Frame(callee, limit, node);
        int depth = context.Frames.Count;
        context.Frames.Add(frame);
        _runtime.Store.Fuel = limit;
        try
        {
            var result = Invoke(frame, name, argument, argLen);
            ulong spent = limit - _runtime.Store.Fuel;
            node.GasSpent = spent - frame.ChargedToChildren;
            caller.ChargedToChildren += spent;
            _runtime.Store.Fuel = remaining - spent;
            if (!caller.Contract.Wasm!.TryWrite(caller.Contract.Code.ArgumentBuffer, result))
                throw Fail(context, ContractErrorKind.Trap, "the caller's argument buffer lies outside its current memory");
            return result.Length;
        }
        catch (Exception e) when (!context.Unwinding && IsContractFailure(e, context))
        {
            // The callee failed: remember what it did, then undo everything by re-running the top-level call.
            context.Frames.RemoveRange(depth, context.Frames.Count - depth);
            var error = Classify(e, context);
            context.KnownFailures[callIndex] = new NestedFailure(
                error,
                context.Events.Skip(eventsStart).Select(ev => ev with { Reverted = true }).ToArray(),
                _debugLog.Skip(debugStart).ToArray(),
                context.Feeds.Skip(feedsStart).ToArray());
            context.Rerun = true;
            throw UnwindSignal.Instance;
        }
    }

    private int ReplayFailure(CallContext context, Frame caller, CallTree node, ulong limit, ulong remaining, NestedFailure failure)
    {
        context.Events.AddRange(failure.Events);
        foreach (var line in failure.DebugLines) AddDebugLine(context, line);
        foreach (var item in failure.Feeds) context.Feed(item);
        node.GasSpent = limit;
        node.Failed = true;
        caller.ChargedToChildren += limit;
        _runtime.Store.Fuel = remaining - limit;
        if (failure.Error.Kind == ContractErrorKind.Panic)
        {
            var message = Encoding.UTF8.GetBytes(failure.Error.Message);
            int length = Math.Min(message.Length, MaxArgumentSize - 4);
            var payload = new byte[4 + length];
            BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)length);
            message.AsSpan(0, length).CopyTo(payload.AsSpan(4));
            caller.Contract.Wasm!.TryWrite(caller.Contract.Code.ArgumentBuffer, payload);
        }
        return failure.Error.CallCode;
    }

    // ---- the other imports ----

    private int HostQuery(ulong namePtr, int nameLen, int argLen)
    {
        var context = _call!;
        var frame = context.Top;
        var name = ReadString(frame, namePtr, nameLen, "host query name");
        var argument = ReadArgument(frame, argLen, "hq");
        var query = _vm.HostQuery(name) ?? throw Fail(context, ContractErrorKind.Trap, $"unknown host query '{name}'");
        Charge(context, query.Price(argument));
        var result = new byte[MaxArgumentSize];
        int length = query.Execute(argument, result);
        if (length is < 0 or > MaxArgumentSize)
            throw Fail(context, ContractErrorKind.Trap, $"host query '{name}' returned length {length}");
        WriteArgument(frame, result.AsSpan(0, length));
        return length;
    }

    private int HostData(ulong namePtr, int nameLen)
    {
        var frame = _call!.Top;
        var name = ReadString(frame, namePtr, nameLen, "metadata name");
        if (!_metadata.TryGetValue(name, out var value)) return 0;
        WriteArgument(frame, value);
        return value.Length;
    }

    private void Emit(ulong topicPtr, int topicLen, int argLen)
    {
        var context = _call!;
        var frame = context.Top;
        var topic = ReadString(frame, topicPtr, topicLen, "event topic");
        var data = ReadArgument(frame, argLen, "emit");
        Charge(context, EventGasPerByte * (ulong)(topicLen + argLen));
        context.Events.Add(new ContractEvent(frame.Contract.Id, topic, data, Reverted: false));
    }

    private void Feed(int argLen)
    {
        var context = _call!;
        var data = ReadArgument(context.Top, argLen, "feed");
        if (context.Feeder is null && !context.Replaying) throw Fail(context, ContractErrorKind.Trap, "feed was called outside a feeder call");
        context.Feed(data);
    }

    private int Caller()
    {
        var context = _call!;
        if (context.Frames.Count < 2) return 0;
        WriteArgument(context.Top, context.Frames[^2].Contract.Id.ToArray());
        return 1;
    }

    private int Callstack()
    {
        var context = _call!;
        int count = context.Frames.Count - 1;
        var ids = new byte[count * ContractId.Size];
        for (int i = 0; i < count; i++)
            context.Frames[count - 1 - i].Contract.Id.CopyTo(ids.AsSpan(i * ContractId.Size));
        WriteArgument(context.Top, ids);
        return count;
    }

    private void Panic(int argLen)
    {
        var context = _call!;
        var message = ReadArgument(context.Top, argLen, "panic");
        throw Fail(context, ContractErrorKind.Panic, Encoding.UTF8.GetString(message));
    }

    private int Owner(ulong idPtr)
    {
        var frame = _call!.Top;
        byte[]? owner;
        if (idPtr == 0)
        {
            owner = frame.Contract.Owner;
        }
        else
        {
            var id = new byte[ContractId.Size];
            ReadMemory(frame, idPtr, id, "owner id");
            owner = OwnerOf(ContractId.FromBytes(id));
        }
        if (owner is null) return 0;
        WriteArgument(frame, owner);
        return owner.Length;
    }

    private void SelfId() => WriteArgument(_call!.Top, _call.Top.Contract.Id.ToArray());

    private void Debug(int msgLen)
    {
        var context = _call!;
        if (msgLen is < 0 or > MaxArgumentSize)
            throw Fail(context, ContractErrorKind.Trap, $"hdebug: length {msgLen} is outside the argument buffer (0..{MaxArgumentSize})");
        if (context.Replaying || context.DebugChars >= MaxDebugCharsPerCall) return; // replays add no lines; the cap was reached (and noted) earlier
        AddDebugLine(context, Encoding.UTF8.GetString(ReadArgument(context.Top, msgLen, "hdebug")));
    }

    private void AddDebugLine(CallContext context, string line)
    {
        if (context.Replaying || context.DebugChars >= MaxDebugCharsPerCall) return;
        _debugLog.Add(line);
        context.DebugChars += Math.Max(64, line.Length);
        if (context.DebugChars >= MaxDebugCharsPerCall)
            _debugLog.Add($"[piecrust: debug output of this call exceeded {MaxDebugCharsPerCall} characters; further lines are dropped]");
    }

    // ---- memory access with the ABI's pointer rules ----

    private void Charge(CallContext context, ulong gas)
    {
        ulong remaining = _runtime.Store.Fuel;
        if (gas > remaining)
        {
            _runtime.Store.Fuel = 0;
            throw Fail(context, ContractErrorKind.OutOfGas, "The call ran out of gas.");
        }
        _runtime.Store.Fuel = remaining - gas;
    }

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes at <paramref name="pointer"/>; false when the
    /// range is not inside the maximum memory size (the instance's capacity: bytes past the length read as stored).
    /// </summary>
    private static bool TryReadMemory(Frame frame, ulong pointer, Span<byte> destination)
    {
        ulong max = frame.Contract.Code.Capacity;
        if (pointer > max || max - pointer < (ulong)destination.Length) return false;
        frame.Contract.Wasm!.Read(pointer, destination);
        return true;
    }

    private void ReadMemory(Frame frame, ulong pointer, Span<byte> destination, string what)
    {
        if (!TryReadMemory(frame, pointer, destination))
            throw Fail(_call!, ContractErrorKind.Trap,
                $"out of bounds: {what} at {pointer} (+{destination.Length} bytes) lies outside the maximum memory size {frame.Contract.Code.Capacity}");
    }

    private string ReadString(Frame frame, ulong pointer, int length, string what)
    {
        if (length is < 0 or > MaxArgumentSize)
            throw Fail(_call!, ContractErrorKind.Trap, $"invalid {what} length {length}");
        var bytes = new byte[length];
        ReadMemory(frame, pointer, bytes, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail(_call!, ContractErrorKind.Trap, $"the {what} is not valid UTF-8");
        }
    }

    private byte[] ReadArgument(Frame frame, int length, string import)
    {
        if (length is < 0 or > MaxArgumentSize)
            throw Fail(_call!, ContractErrorKind.Trap, $"{import}: length {length} is outside the argument buffer (0..{MaxArgumentSize})");
        var bytes = new byte[length];
        frame.Contract.Wasm!.Read(frame.Contract.Code.ArgumentBuffer, bytes);
        return bytes;
    }

    private void WriteArgument(Frame frame, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxArgumentSize)
            throw Fail(_call!, ContractErrorKind.Trap, $"a result of {bytes.Length} bytes does not fit the argument buffer");
        if (!frame.Contract.Wasm!.TryWrite(frame.Contract.Code.ArgumentBuffer, bytes))
            throw Fail(_call!, ContractErrorKind.Trap, "the argument buffer lies outside the current memory");
    }
}
