namespace Piecrust.Storage;

/// <summary>
/// The working collections of a <see cref="RefTransaction"/>, kept by the store and reused by each
/// transaction in turn (they run one at a time, under the write lock): a commit then allocates
/// almost nothing, where fresh dictionaries and buffers cost ~35 KB per one-page commit and
/// the garbage collections that go with it.
/// </summary>
internal sealed class RefScratch
{
    // Collections that grew past this (a large deletion) are replaced rather than cleared, so that
    // small transactions after it do not pay for clearing their capacity.
    private const int KeepCapacity = 1 << 12;
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
        if (Counts.Count > KeepCapacity) Counts = new(); else Counts.Clear();
        if (Before.Count > KeepCapacity) Before = new(); else Before.Clear();
        if (Absent.Count > KeepCapacity) Absent = new(); else Absent.Clear();
        if (Increments.Count > KeepCapacity) Increments = new(); else Increments.Clear();
        if (Writes.Count > KeepCapacity) Writes = new(); else Writes.Clear();
        if (Pending.Count > KeepCapacity) Pending = new(); else Pending.Clear();
        if (Changed.Count > KeepCapacity) Changed = new(); else Changed.Clear();
        if (Written.Length > KeepWrittenBytes) Written = new byte[1 << 14];
        Children.Clear();
        Probed.Clear();
    }
}
