using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// Emptied <see cref="StagedObjects"/> kept for the page-tree builds of later commits
/// (<see cref="PageTreeUpdates"/>): a large commit builds one per changed memory, and growing their
/// tables afresh each time was a third of the bytes a 1,000-call block allocated (BlockBench: ~3.7 of
/// 10.5 MB, paid again in the collections that followed). Keeps tables for at most
/// <see cref="MaxObjects"/> objects in all, so what it holds is bounded whatever a commit changed.
/// Thread-safe: the builds rent from worker threads.
/// </summary>
internal sealed class StagedObjectsPool
{
    /// <summary>Objects the kept tables may hold in all.</summary>
    internal const int MaxObjects = 1 << 16;

    private readonly Lock _lock = new();
    private readonly Stack<StagedObjects> _spares = new();
    private long _kept; // capacity of the spares, in objects

    /// <summary>Spares kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _spares.Count;
        }
    }

    /// <summary>An empty StagedObjects with room for <paramref name="capacity"/> objects, a spare if one is kept.</summary>
    public StagedObjects Rent(int capacity)
    {
        StagedObjects? spare;
        lock (_lock)
        {
            if (_spares.TryPop(out spare)) _kept -= spare.Capacity;
        }
        if (spare is null) return new StagedObjects(capacity);
        spare.EnsureCapacity(capacity);
        return spare;
    }

    /// <summary>Empties <paramref name="staged"/> and keeps it while the spares stay under <see cref="MaxObjects"/>; nothing may read it after.</summary>
    public void Return(StagedObjects staged)
    {
        staged.Clear();
        int capacity = staged.Capacity;
        lock (_lock)
        {
            if (_kept + capacity > MaxObjects) return;
            _kept += capacity;
            _spares.Push(staged);
        }
    }
}
