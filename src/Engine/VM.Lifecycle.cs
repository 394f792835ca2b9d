using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

public sealed partial class VM
{
    /// <summary>A proof of one page of a contract's memory in commit <paramref name="root"/>.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="ContractNotFoundException">The contract is not in that commit.</exception>
    /// <exception cref="InvalidArgumentException">The page lies at or beyond the memory's length.</exception>
    public PageProof ProvePage(Hash root, ContractId contract, ulong pageIndex)
    {
        using var lease = Store.Lease(root);
        return Proving.Page(Index, root, contract, pageIndex, staged: null);
    }

    /// <summary>
    /// A proof of bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// of a contract's memory in commit <paramref name="root"/>, with those bytes.
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="ContractNotFoundException">The contract is not in that commit.</exception>
    /// <exception cref="InvalidArgumentException">The range reaches beyond the memory's length or is over <see cref="MerkleIndex.MaxRangeBytes"/>.</exception>
    public ProvenRange ProveRange(Hash root, ContractId contract, ulong offset, ulong length) =>
        ProveRanges(root, [new MemoryRange(contract, offset, length)]);

    /// <summary>
    /// One proof of byte ranges of several contracts' memories in commit <paramref name="root"/>, sharing
    /// their siblings, with the proven bytes in ascending contract order.
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="ContractNotFoundException">A contract is not in that commit.</exception>
    /// <exception cref="InvalidArgumentException">No ranges, a contract twice, a range beyond its memory's length, or too many bytes.</exception>
    public ProvenRange ProveRanges(Hash root, IReadOnlyList<MemoryRange> ranges)
    {
        using var lease = Store.Lease(root);
        return Proving.Ranges(Index, root, ranges, staged: null);
    }

    /// <summary>A proof that <paramref name="contract"/> is absent from commit <paramref name="root"/>.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="ContractAlreadyExistsException">The contract is in that commit.</exception>
    public AbsenceProof ProveAbsence(Hash root, ContractId contract)
    {
        using var lease = Store.Lease(root);
        return Index.ProveAbsence(root, contract) ?? throw new ContractAlreadyExistsException(contract);
    }

    /// <summary>Page <paramref name="pageIndex"/> (4 KiB) of a contract's memory in commit <paramref name="root"/>.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="ContractNotFoundException">The contract is not in that commit.</exception>
    public byte[] ReadPage(Hash root, ContractId contract, ulong pageIndex)
    {
        using var lease = Store.Lease(root);
        var leaf = Index.GetContract(root, contract) ?? throw new ContractNotFoundException(contract);
        if (pageIndex >= PageTree.Capacity(leaf.Height)) throw new InvalidArgumentException($"Page {pageIndex} is beyond the contract's address space.");
        var page = new byte[PageStore.PageSize];
        Store.ReadPage(Index.PageKey(leaf.PageTreeRoot, leaf.Height, pageIndex), page);
        return page;
    }

    /// <summary>The contracts of commit <paramref name="root"/>, in id order.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public IReadOnlyList<ContractLeaf> Contracts(Hash root)
    {
        using var lease = Store.Lease(root);
        return Index.Contracts(root).ToArray();
    }

    /// <summary>Forgets the compiled module of <paramref name="bytecode"/> (in memory and in the store); the next use compiles it again.</summary>
    public void RemoveModule(Hash bytecode) => Modules.Remove(bytecode);

    /// <summary>Compiles stored bytecode again and replaces its cached module (e.g. after a damaged cache entry).</summary>
    /// <exception cref="InvalidArgumentException">No committed contract has this bytecode.</exception>
    public void RecompileModule(Hash bytecode)
    {
        if (!Store.Contains(ObjectRef.Bytecode(bytecode)))
            throw new InvalidArgumentException($"No committed contract has bytecode {bytecode}.");
        Modules.Remove(bytecode);
        Modules.Persist(Modules.ForStored(bytecode), required: true);
    }
}
