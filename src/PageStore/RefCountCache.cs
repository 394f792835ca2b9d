namespace Piecrust.Storage;

/// <summary>
/// Applied reference counts (journaled increments not included) the store has recently read or
/// written. A commit uses them to know, without asking RocksDB, that the old siblings of its new
/// paths are stored — the nodes one commit writes are the next one's siblings; a deletion, to
/// start from counts it already knows. Never stale: every count changes under the store's write
/// lock, and the cache learns a changed count only once the batch holding it is written
/// (<see cref="RefTransaction.Applied"/>). Bounded crudely: cleared when full. Small on purpose:
/// at 2^17 entries (7 MiB) caching a one-page commit's 21 new objects cost ~18 µs of cache misses,
/// at 2^14 ~4 µs (StoreWriteBench harness); a miss costs two lookups. A store whose commits write
/// more objects than that gets room for two of them (<see cref="MakeRoomFor"/>), up to 2^17: a block
/// of 1,000 calls over 100 contracts writes ~20,000 objects, and with the cache cleared in the middle
/// of taking them in, the next block looked up ~3,000 siblings again (two lookups each, BlockBench).
/// Used under the store's write lock only.
/// </summary>
internal sealed class RefCountCache
{
    private const int MinLimit = 1 << 14, MaxLimit = 1 << 17;
    private readonly Dictionary<ObjectRef, ulong> _counts = new();
    private int _limit = MinLimit;

    /// <summary>Grows the bound (never past 2^17 entries) so that twice <paramref name="entries"/> fit.</summary>
    public void MakeRoomFor(int entries) => _limit = Math.Clamp(2 * entries, _limit, MaxLimit);

    public bool TryGet(ObjectRef reference, out ulong count) => _counts.TryGetValue(reference, out count);

    public void Set(ObjectRef reference, ulong count)
    {
        if (_counts.Count >= _limit && !_counts.ContainsKey(reference)) _counts.Clear();
        _counts[reference] = count;
    }
}
