using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// The proof requests of <see cref="VM"/> and <see cref="Session"/>, checked against the contracts'
/// leaves first so that bad requests are typed engine errors (<see cref="ContractNotFoundException"/>,
/// <see cref="InvalidArgumentException"/>) rather than the index's argument exceptions.
/// </summary>
internal static class Proving
{
    public static PageProof Page(MerkleIndex index, Hash root, ContractId contract, ulong pageIndex, StagedObjects? staged)
    {
        var leaf = index.GetContract(root, contract, staged) ?? throw new ContractNotFoundException(contract);
        if (pageIndex >= PagesIn(leaf.MemoryLength) || pageIndex >= PageTree.Capacity(leaf.Height))
            throw new InvalidArgumentException($"Page {pageIndex} lies at or beyond the memory length of contract {contract} ({leaf.MemoryLength} bytes, {leaf.MemoryLength / PageStore.PageSize} pages): nothing outside the memory is provable.");
        return index.ProvePage(root, contract, pageIndex, staged) ?? throw new ContractNotFoundException(contract);
    }

    public static ProvenRange Ranges(MerkleIndex index, Hash root, IReadOnlyList<MemoryRange> ranges, StagedObjects? staged)
    {
        if (ranges.Count is 0 or > RangeProof.MaxEntries)
            throw new InvalidArgumentException($"A range proof covers 1 to {RangeProof.MaxEntries} contracts, got {ranges.Count}.");
        if (ranges.Select(r => r.Contract).Distinct().Count() != ranges.Count)
            throw new InvalidArgumentException("A contract is asked for twice; one range proof proves one range per contract.");
        ulong total = 0;
        foreach (var range in ranges)
        {
            var leaf = index.GetContract(root, range.Contract, staged) ?? throw new ContractNotFoundException(range.Contract);
            if (range.Length == 0 && range.Offset != 0)
                throw new InvalidArgumentException($"An empty range (a proof of contract {range.Contract}'s leaf alone) has offset 0, got {range.Offset}.");
            if (range.Offset > leaf.MemoryLength || range.Length > leaf.MemoryLength - range.Offset)
                throw new InvalidArgumentException($"Bytes [{range.Offset}, {range.Offset}+{range.Length}) reach beyond the memory length of contract {range.Contract} ({leaf.MemoryLength} bytes): nothing outside the memory is provable.");
            if (range.Length > 0 && (range.Offset + range.Length - 1) / PageStore.PageSize >= PageTree.Capacity(leaf.Height))
                throw new InvalidArgumentException($"Bytes [{range.Offset}, {range.Offset}+{range.Length}) reach beyond the address space of contract {range.Contract}.");
            if (range.Length > MerkleIndex.MaxRangeBytes - total)
                throw new InvalidArgumentException($"A range proof proves at most {MerkleIndex.MaxRangeBytes} bytes in all; split the request.");
            total += range.Length;
        }
        return index.ProveRange(root, ranges, staged) ?? throw new InvalidOperationException("A contract vanished while its range was proven.");
    }

    private static ulong PagesIn(ulong memoryLength) =>
        memoryLength / PageStore.PageSize + (memoryLength % PageStore.PageSize == 0 ? 0UL : 1UL);
}
