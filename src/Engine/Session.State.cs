using Piecrust.Execution;
using Piecrust.Memory;
using Piecrust.Merkle;
using Piecrust.Runtime;
using Piecrust.Storage;

namespace Piecrust;

public sealed partial class Session
{
    /// <summary>
    /// Deploys a contract: validates the bytecode against the module rules, runs its <c>init</c> once
    /// with <see cref="ContractData.InitArg"/> and <paramref name="gasLimit"/> when an init argument is
    /// given (any array, even empty; leave it <c>default</c> to deploy without running <c>init</c>, as
    /// piecrust does without an init argument), and adds it to the session's state. The id is BLAKE3 of the bytecode unless <see cref="ContractData.Id"/> is given.
    /// </summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule (the message says which), or cannot be instantiated under the engine's limits.</exception>
    /// <exception cref="ContractAlreadyExistsException">A contract with that id exists.</exception>
    /// <exception cref="CallFailedException">The contract's <c>init</c> failed; nothing was deployed.</exception>
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
        if (TryLoad(id) is not null) throw new ContractAlreadyExistsException(id);
        bool runInit = !data.InitArg.Equals(default(ReadOnlyMemory<byte>));
        if (runInit && !compiled.HasInit)
            throw new InvalidArgumentException("An init argument was given, but the contract has no 'init' function.");

        Checkpoint(); // a deploy is never replayed: nothing before it may need replaying after it
        var state = new ContractState(id, compiled, data.Owner.ToArray(), PageTree.EmptyRoot(PageTree.HeightFor(compiled.Is64)),
            NewMemory(), newBytecode: code);
        try
        {
            Instantiate(state, fresh: true);
        }
        catch (Wasmtime.WasmtimeException e)
        {
            // e.g. a table or initial memory beyond the store's limits: the module can never run here.
            throw new InvalidModuleException($"Invalid contract module: it cannot be instantiated under the engine's limits ({e.Message.Split('\n')[0]}).");
        }
        _contracts[id] = state;
        state.Memory.AfterCall(state.Wasm!);
        if (state.Memory.NeedsCheckpoints) state.Memory.Checkpoint(state.Wasm);
        _root = null;
        if (!runInit) return id;
        try
        {
            RunTopLevel(state, "init", data.InitArg.ToArray(), gasLimit, feeder: null);
            Checkpoint();
        }
        catch
        {
            _contracts.Remove(id);
            _sinceCheckpoint.Remove(state);
            Abandon(state);
            state.Memory.Dispose();
            throw;
        }
        return id;
    }

    /// <summary>
    /// Writes the session's changes as a new commit (changed pages, the tree paths above them, new
    /// bytecode and the commit record, in one atomic batch) and returns its root. The session goes on
    /// with the new commit as its base.
    /// </summary>
    public Hash Commit()
    {
        using var entry = _guard.Enter(nameof(Commit));
        ThrowIfDisposed();
        Checkpoint();
        var staged = new StagedObjects();
        var root = ComputeRoot(staged, out var updates);
        var (_, lease) = _vm.Store.WriteCommitLeased(root, root == Domain.EmptyState ? null : ObjectRef.Node(root), _baseCommit, staged);
        _vm.Index.RememberCommitted(staged);
        _lease?.Dispose();
        _lease = lease;
        _baseCommit = root;
        _baseRoot = root;
        foreach (var update in updates)
        {
            var state = update.State;
            if (state.NewBytecode is not null) _vm.Modules.Persist(state.Code);
            state.BasePageTree = update.PageTree;
            state.NewBytecode = null;
            state.Memory.MarkCommitted(new ImageKey(update.PageTree, state.Memory.Length, state.Code.Is64), update.Changes, root);
        }
        _root = root;
        return root;
    }

    private sealed record ContractUpdate(ContractState State, Hash PageTree, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> Changes);

    /// <summary>The root of the current state, staging what a commit would write; memories must be checkpointed.</summary>
    private Hash ComputeRoot(StagedObjects staged, out List<ContractUpdate> updates)
    {
        updates = [];
        var root = _baseRoot;
        foreach (var state in _contracts.Values.Where(s => s.Modified).OrderBy(s => s.Id))
        {
            int height = PageTree.HeightFor(state.Code.Is64);
            var changes = state.Memory.ChangedPages().ToArray();
            var pageChanges = changes.Select(p => new PageChange(p.Index, staged.AddPage(p.Bytes))).ToArray();
            var pageTree = _vm.Index.UpdatePages(state.BasePageTree, height, pageChanges, staged);
            if (state.NewBytecode is not null) staged.AddBytecode(state.NewBytecode);
            var leaf = new ContractLeaf(state.Id, state.Code.Bytecode, state.Owner, pageTree, state.Memory.Length, state.Code.Is64);
            root = _vm.Index.SetContract(root, leaf, staged);
            updates.Add(new ContractUpdate(state, pageTree, changes));
        }
        return root;
    }

    /// <summary>The contract as this session sees it, loading it from the base on first use; null when absent.</summary>
    private ContractState? TryLoad(ContractId id)
    {
        if (_contracts.TryGetValue(id, out var state)) return state;
        var leaf = _vm.Index.GetContract(_baseRoot, id);
        if (leaf is null) return null;
        var code = LoadCode(leaf);
        var baseCommit = _baseCommit!.Value;
        ContractMemory memory = _vm.Options.Memory == MemoryPath.Mapped
            ? MappedContractMemory.FromImage(_vm.Images, ImageKey.Of(leaf), () => _vm.Images.Get(leaf, baseCommit))
            : PlainContractMemory.FromStore(leaf.MemoryLength, () => ReadPagesFrom(leaf, 0));
        state = new ContractState(id, code, leaf.Owner.ToArray(), leaf.PageTreeRoot, memory, newBytecode: null);
        _contracts[id] = state;
        return state;
    }

    /// <summary>
    /// The compiled code of a stored contract, once its leaf is known to keep the rules an import
    /// applies (<see cref="MerkleIndex.LoadProblem"/>, <see cref="ContractRules.CheckCode"/>): a leaf
    /// written by an older version or damaged fails here, before either memory path sees it.
    /// </summary>
    /// <exception cref="CorruptStoreException">The leaf or its bytecode breaks a rule.</exception>
    /// <exception cref="InvalidModuleException">The bytecode is over one of this VM's module limits (<see cref="InvalidModuleException.LimitOption"/>).</exception>
    private CompiledContract LoadCode(ContractLeaf leaf)
    {
        if (_vm.Index.LoadProblem(leaf) is { } broken) throw Corrupt(broken);
        CompiledContract code;
        try
        {
            code = _vm.Modules.ForStored(leaf.Bytecode);
        }
        catch (InvalidModuleException e) when (e.LimitOption is null) // over this VM's limits is configuration, not damage
        {
            throw Corrupt($"contract {leaf.Id}'s bytecode {leaf.Bytecode} fails the deploy-time module validation ({e.Message.TrimEnd('.')})");
        }
        if (ContractRules.CheckCode(leaf, BytecodeVerdict.Valid(code.Is64, code.InitialMemory, code.MaxMemory)) is { } mismatch) throw Corrupt(mismatch);
        return code;
    }

    private CorruptStoreException Corrupt(string rule) => new($"State {_baseRoot} cannot be loaded: {rule}.");

    /// <summary>The stored pages of a contract's memory from page <paramref name="from"/> on, ascending.</summary>
    private IEnumerable<(ulong, byte[])> ReadPagesFrom(ContractLeaf leaf, ulong from)
    {
        foreach (var page in _vm.Index.Pages(leaf.PageTreeRoot, leaf.Height, from))
        {
            var bytes = new byte[PageStore.PageSize];
            _vm.Store.ReadPage(page.Key, bytes);
            yield return (page.Index, bytes);
        }
    }

    private ContractMemory NewMemory() =>
        _vm.Options.Memory == MemoryPath.Mapped ? MappedContractMemory.New(_vm.Images) : PlainContractMemory.New();

    /// <summary>Owner bytes of a contract in the session's state, without loading its code; null when absent.</summary>
    private byte[]? OwnerOf(ContractId id) =>
        _contracts.TryGetValue(id, out var state) ? state.Owner : _vm.Index.GetContract(_baseRoot, id)?.Owner.ToArray();
}
