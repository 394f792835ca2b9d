using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The reference memory path: the whole memory is read from the store into a page map on first
/// use, copied into each new instance, and compared page by page against the map after every
/// successful call (every page the kernel has populated, so untouched zeros are never read).
/// Pages past the length are state like any other (they stay addressable, see <see cref="LinearMemory"/>).
/// Obviously correct and O(touched memory) per call; the mapped path is tested against it.
/// </summary>
internal sealed class PlainContractMemory : ContractMemory
{
    private const int PageSize = PageStore.PageSize;
    private static readonly ReadOnlyMemory<byte> ZeroPage = new byte[PageSize];

    private readonly Dictionary<ulong, byte[]> _pages = new();
    private readonly SortedSet<ulong> _changed = new();
    private Func<IEnumerable<(ulong Index, byte[] Bytes)>>? _loader;
    private ulong _length;
    private bool _lengthChanged;

    private PlainContractMemory(ulong length, Func<IEnumerable<(ulong, byte[])>>? loader)
    {
        _length = length;
        _loader = loader;
    }

    /// <summary>A memory whose base state is the stored pages <paramref name="loader"/> yields (read on first use).</summary>
    public static PlainContractMemory FromStore(ulong length, Func<IEnumerable<(ulong Index, byte[] Bytes)>> loader) => new(length, loader);

    /// <summary>A new contract's memory: empty until the first capture, every non-zero page of which counts as changed.</summary>
    public static PlainContractMemory New() => new(0, null) { _lengthChanged = true };

    public override ulong Length => _length;

    public override bool Modified => _lengthChanged || _changed.Count > 0;

    public override bool NeedsCheckpoints => false;

    // Nothing is ever mapped into a plain instance's memory: Wasmtime's anonymous memory only.
    public override bool AnonymousOnly => true;

    public override void AfterCall(LinearMemory memory) => CaptureFrom(memory);

    public override void Checkpoint(LinearMemory? memory) { }

    public override bool TryRevert(LinearMemory memory) => false;

    public override void LoadInto(LinearMemory memory, PriorContent prior)
    {
        EnsureLoaded();
        ulong current = memory.Length;
        if (current > _length)
            throw new InvalidOperationException($"An instance has {current} bytes of memory, more than the stored {_length}.");
        // Only the initial pages can hold data-segment bytes; grown pages start zeroed, and leaving
        // them untouched keeps a large memory from being committed just to be cleared.
        if (!prior.Zeroed) memory.Clear(0, current);
        memory.SetLength(_length);
        // Stored pages past the length too: the contract reads them there, and a growth exposes them.
        // Those past the capacity (legal in a snapshot) stay in the map, unreachable: accesses there trap.
        ulong pages = memory.Capacity / PageSize;
        foreach (var (index, bytes) in _pages)
            if (index < pages) bytes.CopyTo(memory.Page(index, PageSize));
    }

    /// <summary>Takes in the state a successful call left in <paramref name="memory"/>.</summary>
    public void CaptureFrom(LinearMemory memory)
    {
        EnsureLoaded();
        ulong length = memory.Length;
        // Compare every page that can differ, up to the capacity (writes past the length persist):
        // the ones the kernel populated (the rest read as zeros, and touching them would allocate
        // them) and the ones the map holds.
        ulong pages = memory.Capacity / PageSize;
        var candidates = new List<ulong>();
        DirtyPageScanner.ScanPopulated(memory.Address, pages, candidates);
        candidates.AddRange(_pages.Keys);
        foreach (ulong index in candidates.Distinct().Order())
        {
            if (index >= pages) continue;
            var current = memory.Page(index, PageSize);
            bool differs = _pages.TryGetValue(index, out var old)
                ? !current.SequenceEqual(old)
                : current.IndexOfAnyExcept((byte)0) >= 0;
            if (!differs) continue;
            if (current.IndexOfAnyExcept((byte)0) < 0) _pages.Remove(index);
            else if (old is not null) current.CopyTo(old);
            else _pages[index] = current.ToArray();
            _changed.Add(index);
        }
        if (length != _length) _lengthChanged = true;
        _length = length;
    }

    public override IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> ChangedPages(PageBuffer buffer)
    {
        foreach (ulong index in _changed)
        {
            if (!_pages.TryGetValue(index, out var bytes)) yield return (index, ZeroPage);
            else
            {
                var copy = buffer.Next();
                bytes.CopyTo(copy);
                yield return (index, copy);
            }
        }
    }

    public override void ReadPage(ulong index, Span<byte> destination)
    {
        EnsureLoaded();
        if (_pages.TryGetValue(index, out var bytes)) bytes.CopyTo(destination);
        else destination.Clear();
    }

    public override void MarkCommitted(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit, LinearMemory? memory, MemoryImage? prepared)
    {
        _changed.Clear();
        _lengthChanged = false;
    }

    private void EnsureLoaded()
    {
        if (_loader is null) return;
        foreach (var (index, bytes) in _loader()) _pages[index] = bytes;
        _loader = null;
    }
}
