using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Geometry of a contract's page tree: a binary Merkle tree over every page of the address
/// space (2^20 pages of 4 KiB for 32-bit memories, 2^30 for 64-bit), where absent and all-zero
/// pages share precomputed empty-subtree hashes, so a sparse memory costs only its non-zero pages.
/// </summary>
public static class PageTree
{
    /// <summary>Height of the page tree of a 32-bit memory (4 GiB / 4 KiB pages).</summary>
    public const int Height32 = 20;

    /// <summary>Height of the page tree of a 64-bit memory (4 TiB / 4 KiB pages).</summary>
    public const int Height64 = 30;

    /// <summary>The largest height any page tree has.</summary>
    public const int MaxHeight = Height64;

    // _empty[h] is the root of an all-zero subtree of height h; _empty[0] is the zero page's leaf hash.
    private static readonly Hash[] _empty = BuildEmpty();

    private static Hash[] BuildEmpty()
    {
        var empty = new Hash[MaxHeight + 1];
        empty[0] = Domain.EmptyPageLeaf;
        for (int h = 1; h <= MaxHeight; h++) empty[h] = Domain.HashPair(Domain.PageInternal, empty[h - 1], empty[h - 1]);
        return empty;
    }

    /// <summary>The tree height for a memory of the given pointer width.</summary>
    public static int HeightFor(bool is64) => is64 ? Height64 : Height32;

    /// <summary>Number of page slots in a tree of this height.</summary>
    public static ulong Capacity(int height) => 1UL << height;

    /// <summary>Root of an all-zero tree (or subtree) of height <paramref name="height"/> ≥ 1; its Merkle value at height 0.</summary>
    public static Hash EmptyRoot(int height) => _empty[height];

    /// <summary>
    /// The reference an empty child of a branch at <paramref name="branchLevel"/> has in storage:
    /// the zero page key for level-1 branches (whose children are pages), else the empty subtree root.
    /// </summary>
    public static Hash EmptyChild(int branchLevel) => branchLevel == 1 ? PageStore.ZeroPageKey : _empty[branchLevel - 1];

    /// <summary>The Merkle value of a child reference at <paramref name="childLevel"/> (page leaves are hashed, nodes are their hash).</summary>
    public static Hash ChildValue(int childLevel, Hash reference) => childLevel == 0 ? Domain.HashPageLeaf(reference) : reference;
}
