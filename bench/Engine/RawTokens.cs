using Wasmtime;

namespace Piecrust.Bench.Engine;

/// <summary>
/// The physical limit of <see cref="BlockBench"/>'s calls: the token module under Wasmtime directly
/// (fuel on, no gas transform), M instances already instantiated and funded in one store, called
/// through typed functions. Its <c>c</c> import runs the callee's function on the callee instance
/// (argument copied through the two <c>A</c> buffers) and returns -1 when it traps, which is all a
/// failing sub-call needs here (the token panics before it writes); <c>panic</c> traps.
/// </summary>
public sealed class RawTokens : IDisposable
{
    private readonly Wasmtime.Engine _engine;
    private readonly Module _module;
    private readonly Store _store;
    private readonly Linker _linker;
    private readonly Token[] _tokens;
    private readonly Dictionary<ContractId, Token> _byId = [];
    private Token? _last;
    private int _lastLength;

    private sealed record Token(Wasmtime.Memory Memory, int A, Func<int, int> Transfer, Func<int, int> Forward, Func<int, int> Mint);

    /// <summary>Instantiates <paramref name="ids"/>.Count instances of <paramref name="bytecode"/> and funds them as the engine side is.</summary>
    public RawTokens(byte[] bytecode, IReadOnlyList<ContractId> ids)
    {
        _engine = new Wasmtime.Engine(new Config().WithFuelConsumption(true).WithCraneliftNaNCanonicalization(true).WithMemory64(true));
        _module = Module.FromBytes(_engine, "token", bytecode);
        _store = new Store(_engine);
        _linker = new Linker(_engine);
        _linker.Define("env", "panic", Function.FromCallback(_store, (int argLength) => throw new WasmtimeException("panic")));
        _linker.Define("env", "c", Function.FromCallback(_store, (Caller caller, int callee, int name, int nameLength, int argLength, long gas) => Call(caller, callee, argLength)));
        _tokens = new Token[ids.Count];
        Refuel();
        for (int k = 0; k < ids.Count; k++)
        {
            var instance = _linker.Instantiate(_store, _module);
            var memory = instance.GetMemory("memory")!;
            int a = (int)instance.GetGlobal("A")!.GetValue()!;
            _tokens[k] = new Token(memory, a, instance.GetFunction<int, int>("transfer")!, instance.GetFunction<int, int>("transfer_and_forward")!, instance.GetFunction<int, int>("mint")!);
            _byId[ids[k]] = _tokens[k];
            for (int account = 0; account < TokenBlock.Accounts; account++) Invoke(k, _tokens[k].Mint, TokenBlock.Mint(k, account));
        }
    }

    /// <summary>Gives the store enough fuel for a block.</summary>
    public void Refuel() => _store.Fuel = ulong.MaxValue / 2;

    /// <summary>Call <paramref name="i"/> of a block over the M instances, as <see cref="BlockBench"/> makes it.</summary>
    public int Run(int i, ReadOnlySpan<byte> otherId)
    {
        int m = _tokens.Length, target = TokenBlock.Target(i, m);
        return TokenBlock.Fails(i)
            ? Invoke(target, _tokens[target].Forward, TokenBlock.Forward(i, target, otherId))
            : Invoke(target, _tokens[target].Transfer, TokenBlock.Transfer(i, target));
    }

    /// <summary>The result bytes of the last call <see cref="Run"/> made.</summary>
    public byte[] LastResult => _last is null ? [] : _last.Memory.GetSpan(_last.A, _lastLength).ToArray();

    private int Invoke(int k, Func<int, int> function, ReadOnlySpan<byte> argument)
    {
        var token = _tokens[k];
        argument.CopyTo(token.Memory.GetSpan(token.A, argument.Length));
        _last = token;
        return _lastLength = function(argument.Length);
    }

    private int Call(Caller caller, int calleePointer, int argLength)
    {
        var memory = caller.GetMemory("memory")!;
        var callee = _byId[ContractId.FromBytes(memory.GetSpan(calleePointer, ContractId.Size))];
        int callerA = callee.A; // one module: every instance's A is at the same address
        memory.GetSpan(callerA, argLength).CopyTo(callee.Memory.GetSpan(callee.A, argLength));
        try
        {
            int result = callee.Transfer(argLength);
            callee.Memory.GetSpan(callee.A, result).CopyTo(memory.GetSpan(callerA, result));
            return result;
        }
        catch (WasmtimeException)
        {
            return -1;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _linker.Dispose();
        _store.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
