using Piecrust.Execution;
using Piecrust.Memory;
using Piecrust.Merkle;
using Piecrust.Modules;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// A session's working state: the contracts it loaded or deployed (by id), its metadata and host-query settings, the base
/// commit it builds on and the lease that keeps that commit readable, and the cached root. Loads
/// contracts from the base on first use, computes the root of the current state and stages and
/// writes commits. Memories must be checkpointed (<see cref="CallRunner.Checkpoint"/>) before the
/// root is computed or a commit staged. Used by one session thread.
/// </summary>
internal sealed class SessionState : IDisposable
{
    private readonly VM _vm;
    private readonly Dictionary<ContractId, ContractState> _contracts = new();
    private Hash _baseRoot;
    private Hash? _baseCommit;
    private IDisposable? _lease;
    private Hash? _root;

    /// <exception cref="CommitNotFoundException">The base is not a live commit.</exception>
    public SessionState(VM vm, SessionData? data)
    {
        _vm = vm;
        Metadata = data?.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()) ?? new Dictionary<string, byte[]>();
        ExcludedHostQueries = data?.ExcludedHostQueries.ToHashSet(StringComparer.Ordinal) ?? [];
        ContainHostQueryPanics = data?.ContainHostQueryPanics ?? true;
        if (data?.Base is { } root)
        {
            _lease = vm.Store.Lease(root);
            _baseCommit = root;
            _baseRoot = root;
        }
        else
        {
            _baseRoot = Domain.EmptyState;
        }
    }

    /// <summary>The values contracts read with <c>hd</c>.</summary>
    public Dictionary<string, byte[]> Metadata { get; }

    /// <summary>Host queries of the VM this session does not offer (<see cref="SessionData.ExcludedHostQueries"/>).</summary>
    public HashSet<string> ExcludedHostQueries { get; }

    /// <summary>Whether a host query's exception fails the frame as a panic (<see cref="SessionData.ContainHostQueryPanics"/>).</summary>
    public bool ContainHostQueryPanics { get; }

    /// <summary>The commit the state is built on (null for the empty state).</summary>
    public Hash? BaseCommit => _baseCommit;

    /// <summary>Every contract loaded or deployed so far.</summary>
    public IEnumerable<ContractState> Contracts => _contracts.Values;

    /// <summary>The root of the current state when known since the last change; null after one.</summary>
    public Hash? CachedRoot => _root;

    /// <summary>Records that the state changed: the root must be computed again.</summary>
    public void Changed() => _root = null;

    /// <summary>The root of the current state, cached until the next change.</summary>
    public Hash ComputeRoot() => WithPageBuffer(pages => (_root = ComputeRoot(new StagedObjects(), pages, out _)).Value);

    /// <summary>Everything a commit of the current state would write, staged, and the root it would have (proofs see uncommitted changes this way).</summary>
    public StagedObjects StageCurrent(out Hash root)
    {
        var staged = new StagedObjects();
        root = ComputeRoot(staged, new PageBuffer(), out _); // the caller keeps the staged pages
        return staged;
    }

    /// <summary>The length in bytes of a contract's memory in the current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public ulong MemoryLength(ContractId contract)
    {
        // A live instance holds every successful call's growth; a checkpointed memory may not have seen it yet.
        if (_contracts.TryGetValue(contract, out var state)) return state.InstanceMemory?.Length ?? state.Memory.Length;
        return _vm.Index.GetContract(_baseRoot, contract)?.MemoryLength ?? throw new ContractNotFoundException(contract);
    }

    /// <summary>The contract as this session sees it, loading it from the base on first use; null when absent.</summary>
    public ContractState? TryLoad(ContractId id)
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

    /// <summary>Owner bytes of a contract in the state, without loading its code; null when absent.</summary>
    public byte[]? OwnerOf(ContractId id) =>
        _contracts.TryGetValue(id, out var state) ? state.Owner : _vm.Index.GetContract(_baseRoot, id)?.Owner.ToArray();

    /// <summary>A contract about to be deployed: empty memory and page tree, its bytecode to be staged with the next commit. Not yet part of the state (<see cref="Add"/>).</summary>
    public ContractState NewContract(ContractId id, CompiledContract code, byte[] owner, byte[] bytecode) =>
        new(id, code, owner, PageTree.EmptyRoot(PageTree.HeightFor(code.Is64)), NewMemory(), newBytecode: bytecode);

    public void Add(ContractState state)
    {
        _contracts[state.Id] = state;
        _root = null;
    }

    public void Remove(ContractState state) => _contracts.Remove(state.Id);

    /// <summary>Checks that <paramref name="code"/> can replace <paramref name="contract"/>'s code and keep its memory (see <see cref="Session.Migrate"/>).</summary>
    /// <exception cref="InvalidModuleException">The new code does not fit the contract's memory.</exception>
    /// <exception cref="EngineResourceException">The contract's memory is longer than this VM's <see cref="VMOptions.MaxMemory"/> allows.</exception>
    public static void CheckMigration(ContractState contract, CompiledContract code)
    {
        ulong length = contract.Memory.Length;
        if (code.Is64 != contract.Code.Is64)
            throw new InvalidModuleException($"Invalid migration: the new code has a {(code.Is64 ? 64 : 32)}-bit memory, the contract's memory is {(contract.Code.Is64 ? 64 : 32)}-bit.");
        if (code.InitialMemory > length)
            throw new InvalidModuleException($"Invalid migration: the new code needs {code.InitialMemory} bytes of memory, the contract has {length}.");
        if (code.MaxMemory < length)
            throw new InvalidModuleException($"Invalid migration: the new code's memory maximum ({code.MaxMemory} bytes) is below the contract's memory length {length}.");
        if (length < 65536 || code.ArgumentBuffer > length - 65536)
            throw new InvalidModuleException($"Invalid migration: the new code's argument buffer at {code.ArgumentBuffer} lies outside the contract's {length} bytes of memory.");
        // As a call to the contract would be refused (LinearMemory.SetLength): say so now, not at its first call.
        if (code.Capacity < length)
            throw new EngineResourceException(
                $"Invalid migration: the contract's memory of {length} bytes is over this VM's capacity of {code.Capacity} bytes (VMOptions.MaxMemory): open the store with a larger MaxMemory.");
    }

    /// <summary>Gives a contract new code (checked by <see cref="CheckMigration"/>) and an owner, keeping its memory; its instance must be gone.</summary>
    public void Migrate(ContractState old, CompiledContract code, byte[] bytecode, byte[] owner)
    {
        _contracts[old.Id] = new ContractState(old.Id, code, owner, old.BasePageTree, old.Memory, newBytecode: bytecode);
        _root = null;
    }

    /// <summary>
    /// Writes the changes as a new commit (changed pages, the tree paths above them, new bytecode and
    /// the commit record, in one atomic batch) and makes it the base; returns its root.
    /// </summary>
    /// <exception cref="StoreIOException">The write failed (nothing written), or the commit was written and the memories' image files could not follow (the message says which).</exception>
    /// <exception cref="EngineResourceException">The commit was written and a memory could not be mapped onto it.</exception>
    public Hash Commit() => WithPageBuffer(Commit); // the memories have taken in the changes when it returns, or failed to

    // Runs work with the VM's spare page buffer, handed back once the work is done with its pages.
    private T WithPageBuffer<T>(Func<PageBuffer, T> work)
    {
        var pages = _vm.RentPages();
        try
        {
            return work(pages);
        }
        finally
        {
            _vm.ReturnPages(pages);
        }
    }

    private Hash Commit(PageBuffer pages)
    {
        var staged = _vm.RentStaged();
        Hash root;
        List<ContractUpdate> updates;
        IDisposable lease;
        SideWork<MemoryImage?[]>? sideWork = null;
        try
        {
            root = ComputeRoot(staged, pages, out updates);
            // While a large commit's batch is written, another core writes the memories' next images
            // (they need only the changed pages: a twelfth of a block, BlockBench) and caches its new
            // nodes (valid by construction, so harmless even if the write fails); images of a failed
            // write are dropped. A small commit does both after its write, here.
            if (updates.Sum(u => u.Changes.Count) >= PageTreeUpdates.ParallelFromPages)
            {
                var work = updates.Select(u => u.State.Memory.PrepareCommit(KeyOf(u), u.Changes)).ToArray();
                sideWork = SideWork<MemoryImage?[]>.Start(() =>
                {
                    var images = PrepareImages(work);
                    _vm.Index.RememberCommitted(staged);
                    return images;
                });
            }
            try
            {
                (_, lease) = _vm.Store.WriteCommitLeased(root, root == Domain.EmptyState ? null : ObjectRef.Node(root), _baseCommit, staged);
                _vm.CommitsWritten = true;
            }
            catch
            {
                if (sideWork is not null) Abandon(sideWork);
                throw;
            }
            if (sideWork is null) _vm.Index.RememberCommitted(staged);
        }
        finally
        {
            sideWork?.Wait(); // it reads the staged objects
            _vm.ReturnStaged(staged);
        }
        _lease?.Dispose();
        _lease = lease;
        _baseCommit = root;
        _baseRoot = root;
        var prepared = new MemoryImage?[updates.Count];
        try
        {
            if (sideWork is not null) prepared = sideWork.Result();
            for (int i = 0; i < updates.Count; i++)
            {
                var state = updates[i].State;
                if (state.NewBytecode is not null) _vm.Modules.Persist(state.Code);
                state.BasePageTree = updates[i].PageTree;
                state.NewBytecode = null;
                var image = prepared[i];
                prepared[i] = null; // MarkCommitted owns it now
                state.Memory.MarkCommitted(KeyOf(updates[i]), updates[i].Changes, root, state.InstanceMemory, image);
            }
        }
        catch (StoreIOException e)
        {
            throw new StoreIOException(AfterWrite(root, e), e);
        }
        catch (EngineResourceException e)
        {
            throw new EngineResourceException(AfterWrite(root, e), e);
        }
        finally
        {
            foreach (var image in prepared) if (image is not null) ImageCache.Abandon(image);
        }
        _root = root;
        return root;
    }

    // Runs each memory's image work (ContractMemory.PrepareCommit); on a failure, the images built so far are dropped.
    private static MemoryImage?[] PrepareImages(Func<MemoryImage?>?[] work)
    {
        var images = new MemoryImage?[work.Length];
        try
        {
            for (int i = 0; i < work.Length; i++) images[i] = work[i]?.Invoke();
            return images;
        }
        catch
        {
            foreach (var image in images) if (image is not null) ImageCache.Abandon(image);
            throw;
        }
    }

    private static ImageKey KeyOf(ContractUpdate update) => new(update.PageTree, update.State.Memory.Length, update.State.Code.Is64);

    // The batch failed: the images prepared for it go, once their writing is over (its own failure changes nothing then).
    private static void Abandon(SideWork<MemoryImage?[]> preparing)
    {
        try
        {
            foreach (var image in preparing.Result()) if (image is not null) ImageCache.Abandon(image);
        }
        catch (Exception)
        {
            // Nothing was kept (PrepareImages dropped what it built); the batch's failure is the one to report.
        }
    }

    // The commit is durable, but the memories' move onto it (their images) failed: say so, or the caller would think nothing was written.
    private static string AfterWrite(Hash root, Exception e) =>
        $"Commit {root} was written, but this session could not move its memories onto it ({e.Message}). Dispose the session; one opened on {root} sees the commit.";

    /// <summary>Ends the lease on the base (the contracts' memories are the call runner's to release first).</summary>
    public void Dispose()
    {
        _lease?.Dispose();
        _lease = null;
    }

    private sealed record ContractUpdate(ContractState State, Hash PageTree, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> Changes);

    /// <summary>The root of the current state, staging what a commit would write; memories must be checkpointed.</summary>
    private Hash ComputeRoot(StagedObjects staged, PageBuffer pages, out List<ContractUpdate> updates)
    {
        var modified = _contracts.Values.Where(s => s.Modified).OrderBy(s => s.Id).ToArray();
        var changes = modified.Select(s => new PageTreeUpdates.Change(s.BasePageTree, PageTree.HeightFor(s.Code.Is64), s.Memory.ChangedPages(pages).ToArray())).ToArray();
        var pageTrees = PageTreeUpdates.Build(_vm.Index, changes, staged, _vm.StagedPool);
        updates = [];
        var root = _baseRoot;
        for (int i = 0; i < modified.Length; i++)
        {
            var state = modified[i];
            if (state.NewBytecode is not null) staged.AddBytecode(state.NewBytecode);
            var leaf = new ContractLeaf(state.Id, state.Code.Bytecode, state.Owner, pageTrees[i], state.Memory.Length, state.Code.Is64);
            root = _vm.Index.SetContract(root, leaf, staged);
            updates.Add(new ContractUpdate(state, pageTrees[i], changes[i].Pages));
        }
        return root;
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
    private IEnumerable<(ulong, byte[])> ReadPagesFrom(ContractLeaf leaf, ulong from) =>
        StoredPages.Read(_vm.Index, leaf, from).Select(page => (page.Index, page.Bytes.ToArray())); // the memory keeps each page

    private ContractMemory NewMemory() =>
        _vm.Options.Memory == MemoryPath.Mapped ? MappedContractMemory.New(_vm.Images) : PlainContractMemory.New();
}

