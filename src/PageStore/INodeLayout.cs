namespace Piecrust.Storage;

/// <summary>
/// What the store needs to know about tree nodes without knowing the tree: how a node's key is
/// derived from its stored bytes (so every read can be verified) and which objects a node references
/// (so reference counting can reclaim exactly what no live commit reaches).
/// Implementations must be pure and thread-safe.
/// </summary>
public interface INodeLayout
{
    /// <summary>The key a node with these stored bytes must have; throws <see cref="CorruptStoreException"/> if the bytes are not a node.</summary>
    Hash KeyOf(ReadOnlySpan<byte> node);

    /// <summary>Adds every object the node references (never empty subtrees or the zero page) to <paramref name="children"/>.</summary>
    void AddChildren(ReadOnlySpan<byte> node, List<ObjectRef> children);
}
