namespace Piecrust.Storage;

/// <summary>
/// The working collections of a <see cref="RefTransaction"/>, kept by the store and reused by each
/// transaction in turn (they run one at a time, under the write lock): a commit then allocates
/// almost nothing, where fresh dictionaries and buffers cost ~35 KB per one-page commit and
/// the garbage collections that go with it.
/// </summary>
internal sealed class RefScratch
{
    // A collection is cleared for the next transaction while its capacity suits the last one's size:
    // a block's commit of ~20,000 objects reuses its tables (growing them anew each commit cost ~5 MB
    // of large-object allocations and about one gen-2 collection per block, BlockBench), while a small
    // transaction after a large one gets small ones again, so it does not pay for clearing a large
    // capacity. None is kept past MaxKeepCapacity entries (a large deletion).
    private const int KeepCapacity = 1 << 12;
    private const int MaxKeepCapacity = 1 << 17;
    // Enough for the new pages of a 1,000-page commit.
    private const int KeepWrittenBytes = 4 << 20;

    public Dictionary<ObjectRef, ulong> Counts { get; private set; } = new();
    public Dictionary<ObjectRef, ulong> Before { get; private set; } = new();
    public Dictionary<ObjectRef, bool> Absent { get; private set; } = new();
    public List<ObjectRef> Children { get; } = new();
    public List<ObjectRef> Probed { get; } = new();
    public List<ObjectRef> Increments { get; private set; } = new();
    public List<(ObjectRef Reference, int Offset, int Length)> Writes { get; private set; } = new();
    public Stack<ObjectRef> Pending { get; private set; } = new();
    public List<(ObjectRef Reference, ulong Count, ulong Before)> Changed { get; private set; } = new();
    public byte[] Written { get; set; } = new byte[1 << 14];
    /// <summary>A page's delta base, or a page read to be verified.</summary>
    public byte[] BasePage { get; } = new byte[PageStore.PageSize];
    /// <summary>A page XOR its base.</summary>
    public byte[] Difference { get; } = new byte[PageStore.PageSize];
    /// <summary>A page's encoded difference.</summary>
    public byte[] Delta { get; } = new byte[PageDelta.MaxEncodedLength];

    /// <summary>True while a transaction holds it.</summary>
    public bool InUse { get; set; }

    /// <summary>Empties every collection for the next transaction.</summary>
    public void Reset()
    {
        if (Replace(Counts.Count, Counts.EnsureCapacity(0))) Counts = new(); else Counts.Clear();
        if (Replace(Before.Count, Before.EnsureCapacity(0))) Before = new(); else Before.Clear();
        if (Replace(Absent.Count, Absent.EnsureCapacity(0))) Absent = new(); else Absent.Clear();
        if (Replace(Increments.Count, Increments.Capacity)) Increments = new(); else Increments.Clear();
        if (Replace(Writes.Count, Writes.Capacity)) Writes = new(); else Writes.Clear();
        if (Pending.EnsureCapacity(0) > MaxKeepCapacity) Pending = new(); else Pending.Clear(); // empty after every transaction
        if (Replace(Changed.Count, Changed.Capacity)) Changed = new(); else Changed.Clear();
        if (Written.Length > KeepWrittenBytes) Written = new byte[1 << 14];
        Children.Clear();
        Probed.Clear();
    }

    // True when a collection holding count entries (the last transaction's) at this capacity is not worth clearing.
    private static bool Replace(int count, int capacity) =>
        count > MaxKeepCapacity || (capacity > KeepCapacity && count < capacity / 8);
}
