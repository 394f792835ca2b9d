using Piecrust.Execution;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

public sealed partial class Session
{
    /// <summary>
    /// Replaces a contract's code and keeps its memory (bytes and length), as piecrust's migrate
    /// does: the new bytecode must be a valid contract of the same pointer width whose initial
    /// memory fits in the current one. Its data segments are not applied and <c>init</c> does not
    /// run. Atomic: on any error nothing changes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidModuleException">The bytecode is invalid or does not fit the contract's memory.</exception>
    public void Migrate(ContractId contract, ReadOnlySpan<byte> bytecode)
    {
        using var entry = _guard.Enter(nameof(Migrate));
        ThrowIfDisposed();
        var old = TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        var code = bytecode.ToArray();
        var compiled = _vm.Modules.ForDeploy(code);
        ulong length = old.Memory.Length;
        if (compiled.Is64 != old.Code.Is64)
            throw new InvalidModuleException($"Invalid migration: the new code has a {(compiled.Is64 ? 64 : 32)}-bit memory, the contract's memory is {(old.Code.Is64 ? 64 : 32)}-bit.");
        if (compiled.InitialMemory > length)
            throw new InvalidModuleException($"Invalid migration: the new code needs {compiled.InitialMemory} bytes of memory, the contract has {length}.");
        if (compiled.MaxMemory < length)
            throw new InvalidModuleException($"Invalid migration: the new code's memory maximum ({compiled.MaxMemory} bytes) is below the contract's memory length {length}.");
        if (length < 65536 || compiled.ArgumentBuffer > length - 65536)
            throw new InvalidModuleException($"Invalid migration: the new code's argument buffer at {compiled.ArgumentBuffer} lies outside the contract's {length} bytes of memory.");

        Checkpoint();
        Abandon(old);
        _sinceCheckpoint.Remove(old);
        _contracts[contract] = new ContractState(contract, compiled, old.Owner, old.BasePageTree, old.Memory, newBytecode: code);
        _root = null;
    }

    /// <summary>Page <paramref name="pageIndex"/> (4 KiB) of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public byte[] ReadPage(ContractId contract, ulong pageIndex)
    {
        using var entry = _guard.Enter(nameof(ReadPage));
        ThrowIfDisposed();
        var state = TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        Checkpoint();
        var page = new byte[PageStore.PageSize];
        state.Memory.ReadPage(pageIndex, page);
        return page;
    }

    /// <summary>
    /// A proof of page <paramref name="pageIndex"/> of <paramref name="contract"/> against <see cref="Root"/>
    /// (uncommitted changes included), verifiable with <see cref="ProofVerifier"/>.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The page lies at or beyond the memory's length.</exception>
    public PageProof ProvePage(ContractId contract, ulong pageIndex)
    {
        using var entry = _guard.Enter(nameof(ProvePage));
        var staged = StageCurrent(out var root);
        return Proving.Page(_vm.Index, root, contract, pageIndex, staged);
    }

    /// <summary>A proof that <paramref name="contract"/> is absent from <see cref="Root"/>.</summary>
    /// <exception cref="ContractAlreadyExistsException">The contract exists.</exception>
    public AbsenceProof ProveAbsence(ContractId contract)
    {
        using var entry = _guard.Enter(nameof(ProveAbsence));
        var staged = StageCurrent(out var root);
        return _vm.Index.ProveAbsence(root, contract, staged) ?? throw new ContractAlreadyExistsException(contract);
    }

    /// <summary>
    /// A proof of bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of
    /// a contract's memory against <see cref="Root"/> (uncommitted changes included), with those bytes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The range reaches beyond the memory's length or is over <see cref="MerkleIndex.MaxRangeBytes"/>.</exception>
    public ProvenRange ProveRange(ContractId contract, ulong offset, ulong length)
    {
        using var entry = _guard.Enter(nameof(ProveRange));
        return ProveRangesUnguarded([new MemoryRange(contract, offset, length)]);
    }

    /// <summary>One proof of byte ranges of several contracts' memories against <see cref="Root"/>, with the bytes in ascending contract order.</summary>
    /// <exception cref="ContractNotFoundException">A contract does not exist.</exception>
    /// <exception cref="InvalidArgumentException">No ranges, a contract twice, a range beyond its memory's length, or too many bytes.</exception>
    public ProvenRange ProveRanges(IReadOnlyList<MemoryRange> ranges)
    {
        using var entry = _guard.Enter(nameof(ProveRanges));
        return ProveRangesUnguarded(ranges);
    }

    private ProvenRange ProveRangesUnguarded(IReadOnlyList<MemoryRange> ranges)
    {
        var staged = StageCurrent(out var root);
        return Proving.Ranges(_vm.Index, root, ranges, staged);
    }

    // The current root with everything a commit would write staged, so proofs see uncommitted changes.
    private StagedObjects StageCurrent(out Hash root)
    {
        ThrowIfDisposed();
        Checkpoint();
        var staged = new StagedObjects();
        root = ComputeRoot(staged, out _);
        return staged;
    }
}
