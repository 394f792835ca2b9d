namespace Piecrust.Merkle;

/// <summary>
/// The contract-tree part of a range proof (docs/PROOFS.md, "Contract multiproof"): several leaves,
/// each with its id and depth, are folded into one root by a walk from the root that splits the
/// ids (ascending) by their next bit. Where one side of a split holds no proven id, the proof
/// supplies that side's value: the siblings, in the order a depth-first, left-before-right walk meets
/// them. The number of siblings follows from the ids and depths alone.
/// </summary>
internal static class ContractMultiproof
{
    /// <summary>
    /// The number of siblings the leaves need, or the reason they cannot lie in one tree. The ids must
    /// be strictly ascending and the depths at most 256.
    /// </summary>
    public static (int Count, string? Problem) CountSiblings(IReadOnlyList<ContractId> ids, IReadOnlyList<int> depths)
    {
        int next = 0;
        string? problem = null;
        Walk(ids, depths, 0, ids.Count, 0, ref next, null, null, ref problem);
        return (next, problem);
    }

    /// <summary>The root the leaves and siblings lead to; the structure must have passed <see cref="CountSiblings"/>.</summary>
    public static Hash Fold(IReadOnlyList<ContractId> ids, IReadOnlyList<int> depths, IReadOnlyList<Hash> leafHashes, IReadOnlyList<Hash> siblings)
    {
        int next = 0;
        string? problem = null;
        var root = Walk(ids, depths, 0, ids.Count, 0, ref next, leafHashes, siblings, ref problem);
        if (problem is not null || next != siblings.Count) throw new InvalidOperationException("The multiproof's structure was not checked.");
        return root;
    }

    // The value of the subtree at depth k holding exactly ids[a..b) among the proven ones (all share their first k bits).
    // Without leaf hashes it only counts siblings and checks the structure.
    private static Hash Walk(IReadOnlyList<ContractId> ids, IReadOnlyList<int> depths, int a, int b, int k, ref int next,
        IReadOnlyList<Hash>? leafHashes, IReadOnlyList<Hash>? siblings, ref string? problem)
    {
        if (problem is not null) return default;
        if (b - a == 1 && depths[a] == k) return leafHashes is null ? default : leafHashes[a];
        for (int i = a; i < b; i++)
        {
            if (depths[i] == k)
            {
                problem = $"Contract {ids[i]} is said to lie at depth {k}, but another proven contract shares its first {k} bits.";
                return default;
            }
        }
        // Every depth is above k here, and depths are at most 256, so k < 256.
        int m = a;
        while (m < b && !ids[m].Bit(k)) m++;
        Hash left = m == a ? Sibling(siblings, ref next) : Walk(ids, depths, a, m, k + 1, ref next, leafHashes, siblings, ref problem);
        Hash right = m == b ? Sibling(siblings, ref next) : Walk(ids, depths, m, b, k + 1, ref next, leafHashes, siblings, ref problem);
        return leafHashes is null ? default : Domain.HashPair(Domain.ContractInternal, left, right);
    }

    private static Hash Sibling(IReadOnlyList<Hash>? siblings, ref int next)
    {
        int index = next++;
        return siblings is null ? default : siblings[index];
    }
}
