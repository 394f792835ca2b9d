namespace Piecrust.Memory;

/// <summary>Identifies a memory's content: its page-tree root, its length and its pointer width (together, the memory root).</summary>
internal readonly record struct ImageKey(Hash PageTreeRoot, ulong Length, bool Is64)
{
    /// <summary>The key of a committed contract's memory.</summary>
    public static ImageKey Of(Merkle.ContractLeaf leaf) => new(leaf.PageTreeRoot, leaf.MemoryLength, leaf.Is64);
}
