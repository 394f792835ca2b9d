using Piecrust.Memory;
using Piecrust.Runtime;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// One contract as a session holds it: code, owner, memory state, and the live instance that runs
/// its calls (kept warm across top-level calls; dropped after a failure). Owned by one session.
/// </summary>
internal sealed class ContractState
{
    private readonly Dictionary<string, Func<int, int>> _functions = new(StringComparer.Ordinal);
    private Global[]? _resetGlobals;

    public ContractState(ContractId id, CompiledContract code, byte[] owner, Hash basePageTree, ContractMemory memory, byte[]? newBytecode)
    {
        Id = id;
        Code = code;
        Owner = owner;
        BasePageTree = basePageTree;
        Memory = memory;
        NewBytecode = newBytecode;
    }

    public ContractId Id { get; }
    public CompiledContract Code { get; }
    public byte[] Owner { get; }

    /// <summary>The page-tree root as of the session's base (the empty tree for a contract deployed in this session).</summary>
    public Hash BasePageTree { get; set; }

    public ContractMemory Memory { get; }

    /// <summary>Bytecode of a contract deployed in this session and not committed yet (it must be staged with the commit).</summary>
    public byte[]? NewBytecode { get; set; }

    /// <summary>True when the commit must write a new leaf for this contract.</summary>
    public bool Modified => NewBytecode is not null || Memory.Modified;

    public Instance? Instance { get; private set; }
    public LinearMemory? Wasm { get; private set; }

    /// <summary>The top-level call generation this instance was last reset for.</summary>
    public long Generation { get; set; } = -1;

    public void Attach(Instance instance)
    {
        Instance = instance;
        Wasm = new LinearMemory(instance.GetMemory("memory") ?? throw new InvalidOperationException("A validated contract has no memory export."));
        _functions.Clear();
        _resetGlobals = Code.GlobalResets
            .Select(r => instance.GetGlobal(r.ExportName) ?? throw new InvalidOperationException($"Injected global export {r.ExportName} is missing."))
            .ToArray();
    }

    /// <summary>Forgets the instance (its memory may hold a failed call's writes).</summary>
    public void Detach()
    {
        Instance = null;
        Wasm = null;
        _functions.Clear();
        _resetGlobals = null;
        Generation = -1;
    }

    /// <summary>Restores every mutable global the code writes to its initial value.</summary>
    public void ResetGlobals()
    {
        var globals = _resetGlobals!;
        for (int i = 0; i < globals.Length; i++) globals[i].SetValue(Code.GlobalResets[i].InitialValue);
    }

    public Func<int, int> Function(string name)
    {
        if (_functions.TryGetValue(name, out var function)) return function;
        function = Instance!.GetFunction<int, int>(name) ?? throw new InvalidOperationException($"A validated export '{name}' is missing.");
        _functions[name] = function;
        return function;
    }
}
