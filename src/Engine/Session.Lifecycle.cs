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
    public PageProof ProvePage(ContractId contract, ulong pageIndex)
    {
        using var entry = _guard.Enter(nameof(ProvePage));
        ThrowIfDisposed();
        Checkpoint();
        var staged = new StagedObjects();
        var root = ComputeRoot(staged, out _);
        return _vm.Index.ProvePage(root, contract, pageIndex, staged) ?? throw new ContractNotFoundException(contract);
    }

    /// <summary>A proof that <paramref name="contract"/> is absent from <see cref="Root"/>.</summary>
    /// <exception cref="ContractAlreadyExistsException">The contract exists.</exception>
    public AbsenceProof ProveAbsence(ContractId contract)
    {
        using var entry = _guard.Enter(nameof(ProveAbsence));
        ThrowIfDisposed();
        Checkpoint();
        var staged = new StagedObjects();
        var root = ComputeRoot(staged, out _);
        return _vm.Index.ProveAbsence(root, contract, staged) ?? throw new ContractAlreadyExistsException(contract);
    }
}
