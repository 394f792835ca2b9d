using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

// Reads and proofs of the session's current state (uncommitted changes included).
public sealed partial class Session
{
    /// <summary>The length in bytes of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public ulong MemoryLength(ContractId contract)
    {
        using var entry = EnterLive(nameof(MemoryLength));
        return _state.MemoryLength(contract);
    }

    /// <summary>Page <paramref name="pageIndex"/> (4 KiB) of a contract's memory in the session's current state.</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The page is beyond the contract's address space.</exception>
    /// <exception cref="InvalidModuleException">The contract's stored bytecode is over one of this VM's module limits.</exception>
    public byte[] ReadPage(ContractId contract, ulong pageIndex)
    {
        using var entry = EnterLive(nameof(ReadPage));
        var state = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        VM.CheckPageIndex(pageIndex, PageTree.HeightFor(state.Code.Is64));
        _runner.Checkpoint();
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
    public PageProof ProvePage(ContractId contract, ulong pageIndex) =>
        Prove(nameof(ProvePage), (root, staged) => Proving.Page(_vm.Index, root, contract, pageIndex, staged));

    /// <summary>A proof that <paramref name="contract"/> is absent from <see cref="Root"/>.</summary>
    /// <exception cref="ContractAlreadyExistsException">The contract exists.</exception>
    public AbsenceProof ProveAbsence(ContractId contract) =>
        Prove(nameof(ProveAbsence), (root, staged) => _vm.Index.ProveAbsence(root, contract, staged) ?? throw new ContractAlreadyExistsException(contract));

    /// <summary>
    /// A proof of bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of
    /// a contract's memory against <see cref="Root"/> (uncommitted changes included), with those bytes.
    /// </summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidArgumentException">The range reaches beyond the memory's length or is over <see cref="MerkleIndex.MaxRangeBytes"/>.</exception>
    public ProvenRange ProveRange(ContractId contract, ulong offset, ulong length) =>
        Prove(nameof(ProveRange), (root, staged) => Proving.Ranges(_vm.Index, root, [new MemoryRange(contract, offset, length)], staged));

    /// <summary>One proof of byte ranges of several contracts' memories against <see cref="Root"/>, with the bytes in ascending contract order.</summary>
    /// <exception cref="ContractNotFoundException">A contract does not exist.</exception>
    /// <exception cref="InvalidArgumentException">No ranges, a contract twice, a range beyond its memory's length, or too many bytes.</exception>
    public ProvenRange ProveRanges(IReadOnlyList<MemoryRange> ranges) =>
        Prove(nameof(ProveRanges), (root, staged) => Proving.Ranges(_vm.Index, root, ranges, staged));

    // A proof against the current root, with everything a commit would write staged so it sees uncommitted changes.
    private T Prove<T>(string member, Func<Hash, StagedObjects, T> prove)
    {
        using var entry = EnterLive(member);
        _runner.Checkpoint();
        var staged = _state.StageCurrent(out var root);
        return prove(root, staged);
    }
}
