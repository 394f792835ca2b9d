namespace Piecrust.Storage;

/// <summary>
/// Objects prepared for a commit but not yet written: new pages, nodes and bytecode, keyed by
/// their content hash. Only the ones a commit actually reaches (and the store lacks) are written.
/// Not thread-safe: owned by one session or writer at a time.
/// </summary>
public sealed class StagedObjects
{
    private readonly Dictionary<ObjectRef, ReadOnlyMemory<byte>> _objects;
    private readonly Dictionary<Hash, Hash> _previousPages = new();
    private readonly HashSet<ObjectRef> _knownStored = new();

    /// <summary>Empty staged objects.</summary>
    public StagedObjects() => _objects = new();

    /// <summary>Empty staged objects with room for <paramref name="capacity"/> objects before they grow.</summary>
    public StagedObjects(int capacity) => _objects = new(capacity);

    /// <summary>Number of staged objects.</summary>
    public int Count => _objects.Count;

    /// <summary>Objects the table holds before it grows (it keeps its size when cleared).</summary>
    internal int Capacity => _objects.EnsureCapacity(0);

    /// <summary>Grows the table to hold <paramref name="capacity"/> objects without growing again.</summary>
    internal void EnsureCapacity(int capacity) => _objects.EnsureCapacity(capacity);

    /// <summary>Stages a page (its key is computed here, so it cannot disagree with the bytes).</summary>
    /// <returns>The page key, or <see cref="PageStore.ZeroPageKey"/> for an all-zero page (never stored).</returns>
    public Hash AddPage(ReadOnlyMemory<byte> page)
    {
        if (page.Length != PageStore.PageSize)
            throw new ArgumentException($"A page is {PageStore.PageSize} bytes, got {page.Length}.", nameof(page));
        var key = PageStore.PageKey(page.Span);
        StagePage(key, page);
        return key;
    }

    /// <summary>Stages pages as <see cref="AddPage"/> does each, hashing them together (<see cref="PageHasher"/>: several times faster for many pages).</summary>
    /// <param name="pages">The pages, each <see cref="PageStore.PageSize"/> bytes.</param>
    /// <param name="keys">Receives each page's key (<see cref="PageStore.ZeroPageKey"/> for an all-zero page, never stored).</param>
    public void AddPages(IReadOnlyList<ReadOnlyMemory<byte>> pages, Span<Hash> keys)
    {
        ArgumentNullException.ThrowIfNull(pages);
        PageHasher.Hash(pages, keys);
        for (int i = 0; i < pages.Count; i++) StagePage(keys[i], pages[i]);
    }

    // The zero page is never stored: every tree reads an absent page as zeros.
    private void StagePage(Hash key, ReadOnlyMemory<byte> page)
    {
        if (key != PageStore.ZeroPageKey) _objects[ObjectRef.Page(key)] = page;
    }

    /// <summary>
    /// Says that page <paramref name="page"/> replaces page <paramref name="previous"/> (the same
    /// place in a memory, one version earlier), so a commit may store it as its difference from that
    /// page (<see cref="PageStoreOptions.PageDeltaLimit"/>). A hint only: what is stored still reads
    /// back as the page's own bytes, and a previous page that is not stored is ignored.
    /// </summary>
    public void SetPreviousPage(Hash page, Hash previous)
    {
        if (page != previous && previous != PageStore.ZeroPageKey) _previousPages[page] = previous;
    }

    /// <summary>The page <paramref name="page"/> replaces, when <see cref="SetPreviousPage"/> said so.</summary>
    internal bool TryGetPreviousPage(Hash page, out Hash previous) => _previousPages.TryGetValue(page, out previous);

    /// <summary>
    /// Says that <paramref name="reference"/>, which a staged node names, is already stored: a child a
    /// new node keeps from a node read from the store (a stored node's children are always stored),
    /// so a commit need not look it up. A hint the caller vouches for; the store's check (fsck) still
    /// finds a reference to an object that is not stored.
    /// </summary>
    public void MarkStored(ObjectRef reference) => _knownStored.Add(reference);

    /// <summary>True when <see cref="MarkStored"/> said <paramref name="reference"/> is stored.</summary>
    internal bool IsKnownStored(ObjectRef reference) => _knownStored.Contains(reference);

    /// <summary>Stages a tree node under the key the caller computed with the store's node layout.</summary>
    public void AddNode(Hash key, ReadOnlyMemory<byte> node) => _objects[ObjectRef.Node(key)] = node;

    /// <summary>Stages bytecode; returns its key (BLAKE3 of the bytes).</summary>
    public Hash AddBytecode(ReadOnlyMemory<byte> bytecode)
    {
        var key = Hash.Of(bytecode.Span);
        _objects[ObjectRef.Bytecode(key)] = bytecode;
        return key;
    }

    /// <summary>Looks up a staged object.</summary>
    public bool TryGet(ObjectRef reference, out ReadOnlyMemory<byte> value) => _objects.TryGetValue(reference, out value);

    /// <summary>A copy holding its own bytes: later changes to the memories pages were staged from do not reach it.</summary>
    public StagedObjects Copy()
    {
        var copy = new StagedObjects();
        foreach (var (reference, bytes) in _objects) copy._objects[reference] = bytes.ToArray();
        copy._knownStored.UnionWith(_knownStored);
        foreach (var (page, previous) in _previousPages) copy._previousPages[page] = previous;
        return copy;
    }

    /// <summary>Stages everything <paramref name="other"/> holds, with its previous-page and stored-reference hints (the bytes are shared, not copied).</summary>
    public void AddFrom(StagedObjects other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (reference, bytes) in other._objects) _objects[reference] = bytes;
        foreach (var (page, previous) in other._previousPages) _previousPages[page] = previous;
        _knownStored.UnionWith(other._knownStored);
    }

    /// <summary>Forgets every staged object.</summary>
    public void Clear()
    {
        _objects.Clear();
        _previousPages.Clear();
        _knownStored.Clear();
    }

    internal IEnumerable<KeyValuePair<ObjectRef, ReadOnlyMemory<byte>>> All => _objects;

    /// <summary>The staged tree nodes (key and bytes).</summary>
    public IEnumerable<(Hash Key, ReadOnlyMemory<byte> Bytes)> Nodes =>
        _objects.Where(o => o.Key.Kind == ObjectKind.Node).Select(o => (o.Key.Key, o.Value));
}
