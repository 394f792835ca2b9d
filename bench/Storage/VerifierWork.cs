using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// The BLAKE3 inputs a verifier hashes for a proof, by size (docs/PROOFS.md): each page (4096 bytes)
/// and its leaf (33), every page-tree node (65), the memory root (42), the owner, the contract leaf
/// (129) and every contract-tree node (65). Hashing exactly these raw is the baseline a verifier is
/// measured against, in C# (<see cref="RangeProofBench"/>) and in Node (clients/js/bench.js).
/// </summary>
public static class VerifierWork
{
    /// <summary>Input sizes and how often each is hashed, for a page proof.</summary>
    public static SortedDictionary<int, int> Of(PageProof proof)
    {
        var sizes = new SortedDictionary<int, int>();
        Add(sizes, PageStore.PageSize, 1);
        Add(sizes, 33, 1);
        Add(sizes, 65, proof.PageSiblings.Count + proof.ContractSiblings.Count);
        Add(sizes, 42, 1);
        Add(sizes, proof.Owner.Length, 1);
        Add(sizes, 129, 1);
        return sizes;
    }

    /// <summary>Input sizes and how often each is hashed, for a range proof of one contract.</summary>
    public static SortedDictionary<int, int> Of(RangeProof proof)
    {
        var entry = proof.Entries.Single();
        var sizes = new SortedDictionary<int, int>();
        ulong lo = entry.Offset / PageStore.PageSize, hi = (entry.Offset + entry.Length - 1) / PageStore.PageSize;
        ulong run = hi - lo + 1;
        Add(sizes, PageStore.PageSize, (int)run);
        Add(sizes, 33, (int)run);
        int nodes = 0;
        for (int level = 0; level < PageTree.HeightFor(entry.Is64); level++, lo >>= 1, hi >>= 1)
        {
            run = (run + (lo & 1) + (1 - (hi & 1))) / 2;
            nodes += (int)run;
        }
        Add(sizes, 65, nodes + entry.Depth);
        Add(sizes, 42, 1);
        Add(sizes, entry.Owner.Length, 1);
        Add(sizes, 129, 1);
        return sizes;
    }

    /// <summary>The total number of hashes.</summary>
    public static int Count(SortedDictionary<int, int> sizes) => sizes.Values.Sum();

    /// <summary>Hashes <paramref name="input"/>'s prefixes of each size, as often as the work says.</summary>
    public static void HashRaw(SortedDictionary<int, int> sizes, byte[] input, byte[] digest)
    {
        foreach (var (size, count) in sizes)
            for (int i = 0; i < count; i++) Blake3.Hasher.Hash(input.AsSpan(0, size), digest);
    }

    private static void Add(SortedDictionary<int, int> sizes, int size, int count) =>
        sizes[size] = sizes.GetValueOrDefault(size) + count;
}
