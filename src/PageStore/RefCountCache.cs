namespace Piecrust.Storage;

/// <summary>
/// Reference counts the store has recently read or written, so that a commit need not ask RocksDB
/// again for counts the previous commits touched: the old siblings of every changed path are
/// incremented commit after commit, and the nodes one commit writes are the next one's siblings.
/// Never stale: every count changes under the store's write lock, and the cache learns a changed
/// count only once the batch holding it is written (<see cref="RefTransaction.Applied"/>).
/// Bounded crudely: cleared when full.
/// Used under the store's write lock only.
/// </summary>
internal sealed class RefCountCache
{
    private const int Limit = 1 << 17;
    private readonly Dictionary<ObjectRef, ulong> _counts = new();

    public bool TryGet(ObjectRef reference, out ulong count) => _counts.TryGetValue(reference, out count);

    public void Set(ObjectRef reference, ulong count)
    {
        if (_counts.Count >= Limit && !_counts.ContainsKey(reference)) _counts.Clear();
        _counts[reference] = count;
    }
}
