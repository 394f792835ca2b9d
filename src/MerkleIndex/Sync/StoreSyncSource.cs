using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>A sync source over a store in this process (another node's store, a test double's base).</summary>
/// <param name="store">The store served.</param>
/// <param name="maxBatch">The most objects one request may ask for.</param>
public sealed class StoreSyncSource(PageStore store, int maxBatch = StoreSyncSource.DefaultMaxBatch) : ISyncSource
{
    /// <summary>The default batch limit.</summary>
    public const int DefaultMaxBatch = 512;

    /// <inheritdoc/>
    public int MaxBatch => maxBatch;

    /// <inheritdoc/>
    public IReadOnlyList<CommitInfo> GetCommits() => store.Commits;

    /// <inheritdoc/>
    public IReadOnlyList<byte[]> GetObjects(IReadOnlyList<ObjectRef> objects)
    {
        if (objects.Count > maxBatch)
            throw new ArgumentException($"A request may ask for at most {maxBatch} objects, got {objects.Count}.", nameof(objects));
        var result = new byte[objects.Count][];
        for (int i = 0; i < objects.Count; i++)
            result[i] = Read(store, objects[i]) ?? throw new SyncSourceException($"The source does not hold {objects[i]}.");
        return result;
    }

    /// <summary>The verified content of a stored object, or null when the store does not hold it (or it was deleted while being read).</summary>
    /// <exception cref="CorruptStoreException">The object is stored but damaged.</exception>
    public static byte[]? Read(PageStore store, ObjectRef reference)
    {
        if (!store.Contains(reference)) return null;
        try
        {
            switch (reference.Kind)
            {
                case ObjectKind.Page:
                    var page = new byte[PageStore.PageSize];
                    store.ReadPage(reference.Key, page);
                    return page;
                case ObjectKind.Node:
                    return store.ReadNode(reference.Key);
                default:
                    return store.ReadBytecode(reference.Key);
            }
        }
        catch (CorruptStoreException) when (!store.Contains(reference))
        {
            return null; // deleted between the check and the read
        }
    }
}
