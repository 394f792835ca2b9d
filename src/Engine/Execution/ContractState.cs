using Piecrust.Memory;
using Piecrust.Modules;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// One contract as a session holds it: code, owner, memory state, and the live instance that runs
/// its calls (kept warm across top-level calls; dropped after a failure). Owned by one session.
/// </summary>
internal sealed class ContractState
{
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

    /// <summary>The instance running this contract's calls in the session, if loaded.</summary>
    public LiveInstance? Live { get; private set; }

    public Instance? Instance => Live?.Instance;

    /// <summary>The live instance's linear memory (what calls write; <see cref="Memory"/> takes it in).</summary>
    public LinearMemory? InstanceMemory => Live?.Memory;

    /// <summary>The top-level call generation this instance was last reset for.</summary>
    public long Generation { get; set; } = -1;

    public void Attach(LiveInstance live)
    {
        Live = live;
        Generation = -1;
    }

    /// <summary>Lets go of the instance (its memory may hold a failed call's writes) and hands it to the caller.</summary>
    public LiveInstance? Detach()
    {
        var live = Live;
        Live = null;
        Generation = -1;
        return live;
    }

    /// <summary>Restores every mutable global the code writes to its initial value.</summary>
    public void ResetGlobals() => Live!.ResetGlobals();

    public Func<int, int> Function(string name) => Live!.Function(name);

    /// <summary>Bytes from the start of the memory <see cref="PrepareForCalls"/> prefaults: where contracts keep their stack and statics.</summary>
    public const ulong PrefaultedBytes = 2 << 20;

    /// <summary>
    /// Does ahead what the first calls into a new instance would otherwise pay (a warm-up, <see cref="VM.WarmUp"/>):
    /// the exports looked up, and the first <see cref="PrefaultedBytes"/> of the memory and its argument buffer
    /// (which every call writes) prefaulted (<see cref="ContractMemory.Prefault"/>). Runs no contract code and
    /// changes no byte the contract sees. Needs a live instance that shows the state just loaded.
    /// </summary>
    public void PrepareForCalls()
    {
        var live = Live ?? throw new InvalidOperationException("Only a loaded instance can be prepared for calls.");
        live.LookUpExports();
        Memory.Prefault(live.Memory, 0, Math.Min(live.Memory.Length, PrefaultedBytes));
        Memory.Prefault(live.Memory, Code.ArgumentBuffer, CallLimits.MaxArgumentSize);
    }
}
