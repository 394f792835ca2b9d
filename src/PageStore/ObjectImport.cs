namespace Piecrust.Storage;

/// <summary>
/// Writes the objects of a state received from elsewhere (a peer) into the store in batches, children
/// before parents, then makes the state a commit in one atomic write (<see cref="Commit"/>). Until then
/// nothing of it is visible as a commit: each object written but not yet referenced by a written node
/// is pinned (<see cref="PageStore.Pins"/>), a pin holding one reference, so reference counts stay exact
/// at every step, and an import abandoned at any point (a failure, a crash) leaves only pinned objects
/// that <see cref="PageStore.CollectGarbage"/> reclaims. Because a node is written only after all its
/// children are stored, a stored node's subtree is always complete: an import that resumes (or diffs
/// against what the store holds) may skip any object the store holds.
/// </summary>
/// <remarks>
/// The caller verifies every object against its key before <see cref="Add"/> (the store trusts it,
/// as it trusts staged objects of a commit). Not thread-safe; one thread drives one import.
/// </remarks>
public sealed class ObjectImport : IDisposable
{
    private readonly PageStore _store;
    private readonly List<(ObjectRef Reference, byte[] Bytes)> _pending = [];
    private readonly HashSet<ObjectRef> _pendingKeys = [];
    private bool _disposed;

    internal ObjectImport(PageStore store) => _store = store;

    /// <summary>Objects added and not yet written.</summary>
    public int PendingObjects => _pending.Count;

    /// <summary>Bytes of the objects added and not yet written.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>Objects this import wrote so far (objects found stored at write time are not counted).</summary>
    public long ObjectsWritten { get; private set; }

    /// <summary>True when the store holds the object or it is added and pending (and so, for a node, its whole subtree).</summary>
    public bool Holds(ObjectRef reference) => _pendingKeys.Contains(reference) || _store.Contains(reference);

    /// <summary>
    /// Adds a verified object (its content: a 4096-byte page, a node's bytes, the bytecode). Every
    /// object a node references must be stored or added before the node.
    /// </summary>
    public void Add(ObjectRef reference, byte[] content)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (reference.Kind == ObjectKind.Page && content.Length != PageStore.PageSize)
            throw new ArgumentException($"A page is {PageStore.PageSize} bytes, got {content.Length}.", nameof(content));
        if (!_pendingKeys.Add(reference)) return;
        _pending.Add((reference, content));
        PendingBytes += content.Length;
    }

    /// <summary>Writes the added objects in one batch (pinned until a node or commit references them).</summary>
    /// <exception cref="ImportConflictException">An object a node references was deleted meanwhile; nothing is written.</exception>
    /// <exception cref="StoreIOException">The write failed; nothing is written.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pending.Count == 0) return;
        ObjectsWritten += _store.WriteImported(_pending);
        _pending.Clear();
        _pendingKeys.Clear();
        PendingBytes = 0;
    }

    /// <summary>
    /// Writes what is pending, then makes <paramref name="root"/> a commit in one atomic batch: the
    /// record, and the root node's reference moving from its pin to the commit. Committing a root that
    /// is already a live commit changes nothing.
    /// </summary>
    /// <param name="root">The state root.</param>
    /// <param name="rootNode">The root's node, stored (or added); null for the empty state.</param>
    /// <param name="parent">The commit's parent, if any.</param>
    /// <exception cref="ImportConflictException">The root node is not stored.</exception>
    public CommitInfo Commit(Hash root, ObjectRef? rootNode, Hash? parent)
    {
        Flush();
        return _store.CommitImported(root, rootNode, parent);
    }

    /// <summary>Ends the import; what it wrote but did not commit stays pinned for a later import to reuse, or gc to reclaim.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _store.EndImport();
    }
}
