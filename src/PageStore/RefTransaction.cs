using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace Piecrust.Storage;

/// <summary>
/// Reference-count changes of one commit or deletion, accumulated into one write batch.
/// Why reference counts rather than mark-and-sweep: every commit shares almost all of its nodes
/// with its parent, so a sweep would cost O(total state) per deletion, while counts cost
/// O(objects created or freed). Counts live in their own column family and change only inside the
/// same atomic batch as the objects they count, so they are exact after any crash. A commit writes
/// the objects it creates (count 1, no entry) and journals the references it adds to objects
/// already stored (<see cref="CountJournal"/>): it reads and writes no count. A deletion applies
/// the journal first, in the same batch, so it decrements exact counts.
/// A deletion reclaims nothing on counts it cannot trust. Before its batch is written it has, at a
/// cost in proportion to the objects it touches: read the whole journal (an unreadable block or a
/// malformed entry stops it), found every entry to belong to a commit already made and to name
/// stored objects, and found the journal to hold as many increments as the store journaled since
/// it counted them; found every object it decrements stored, with a count entry the store could
/// have written (8 bytes, at least 2); and read and verified every node it frees before releasing
/// its children. Any failure throws <see cref="CorruptStoreException"/> (or, for an I/O error,
/// <see cref="StoreIOException"/>) before anything is written. Counts that are wrong but plausible cannot be seen this cheaply:
/// fsck recomputes them.
/// Used under the store's write lock only.
/// </summary>
internal sealed class RefTransaction : IDisposable
{
    private readonly PageStore _store;
    private readonly WriteBatch _batch;
    private readonly StagedObjects? _staged;
    private readonly Dictionary<ObjectRef, ulong> _counts;
    private readonly Dictionary<ObjectRef, ulong> _before; // counts as stored when first touched (none: a new object, 0)
    private readonly List<ObjectRef> _children;
    private readonly Dictionary<ObjectRef, bool> _absent; // staged objects known stored or not
    private readonly List<ObjectRef> _probed;
    private readonly List<ObjectRef> _increments; // references journaled, not counted
    private readonly Stack<ObjectRef> _pending;
    private readonly RefScratch _scratch;
    private bool _folded; // the journal is applied in this transaction
    // New objects' stored bytes, gathered in one buffer and put into the batch in key order (Flush):
    // a memtable insert then starts from where the previous one ended (RocksDB keeps the last
    // insert's position in each skiplist), instead of searching from the top for every random key.
    private readonly List<(ObjectRef Reference, int Offset, int Length)> _writes;
    private byte[] _written;
    private int _writtenLength;

    public RefTransaction(PageStore store, WriteBatch batch, StagedObjects? staged)
    {
        _store = store;
        _batch = batch;
        _staged = staged;
        _scratch = store.TakeScratch();
        _counts = _scratch.Counts;
        _before = _scratch.Before;
        _children = _scratch.Children;
        _absent = _scratch.Absent;
        _probed = _scratch.Probed;
        _increments = _scratch.Increments;
        _pending = _scratch.Pending;
        _writes = _scratch.Writes;
        _written = _scratch.Written;
    }

    /// <summary>Objects written by this transaction, and their encoded bytes (for statistics and tests).</summary>
    public int ObjectsWritten { get; private set; }

    /// <summary>Objects removed by this transaction.</summary>
    public int ObjectsRemoved { get; private set; }

    /// <summary>Bytes of keys and values added by this transaction.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Staged objects looked up in the store to learn whether they are stored.</summary>
    public int ExistenceLookups { get; private set; }

    /// <summary>References to objects neither staged nor vouched for by the staged objects, checked to be stored.</summary>
    public int ReferenceChecks { get; private set; }

    /// <summary>References this transaction added to objects already stored, journaled rather than counted (see <see cref="CountJournal"/>).</summary>
    public int JournaledIncrements => _increments.Count;

    /// <summary>Journaled increments this transaction applied to the counts.</summary>
    public int FoldedIncrements { get; private set; }

    /// <summary>True when this transaction applied (and deletes) the whole journal.</summary>
    public bool FoldedJournal => _folded;

    /// <summary>
    /// Adds one reference to <paramref name="root"/>; an object gaining its first reference is
    /// written, and references its children in turn. A reference to an object already stored is
    /// journaled (<see cref="Journal"/>), not counted: a commit reads and writes no counts.
    /// </summary>
    public void Increment(ObjectRef root)
    {
        var pending = _pending;
        pending.Clear();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            if (!TryCountNew(reference, out var value))
            {
                _increments.Add(reference);
                continue;
            }
            int length = AddWrite(reference, value.Span, out var deltaBase);
            ObjectsWritten++;
            BytesWritten += Hash.Size + length;

            if (reference.Kind == ObjectKind.Node) PushChildren(value.Span, pending);
            else if (deltaBase is { } baseKey) pending.Push(ObjectRef.Page(baseKey)); // a difference references its base
        }
    }

    /// <summary>Puts this transaction's journaled increments into the batch as the entry of commit <paramref name="sequence"/>.</summary>
    public void Journal(ulong sequence)
    {
        if (_increments.Count == 0) return;
        var value = CountJournal.Encode(_increments);
        _batch.Put(CountJournal.Key(sequence), value, _store.Column(StoreColumn.Increments));
        BytesWritten += 8 + value.Length;
    }

    /// <summary>
    /// Applies every journaled increment to the counts and deletes the journal's entries, in this
    /// transaction's batch. Deletions do this first, so they see exact counts.
    /// </summary>
    /// <exception cref="CorruptStoreException">The journal cannot be read to its end, an entry is malformed or names an object that is not stored, or it holds fewer or more increments than were journaled.</exception>
    public void FoldJournal()
    {
        if (_folded) return;
        var journal = _store.Column(StoreColumn.Increments);
        foreach (var (key, references) in _store.PendingIncrements())
        {
            if (BinaryPrimitives.ReadUInt64BigEndian(key) >= _store.NextSequence)
                throw new CorruptStoreException($"A pending reference-count entry (key 0x{Convert.ToHexStringLower(key)}) belongs to commit {BinaryPrimitives.ReadUInt64BigEndian(key)}, which was never made (the next is {_store.NextSequence}): the store's counts cannot be trusted; {StoreErrors.FsckHint}.");
            foreach (var reference in references)
            {
                ulong count = Count(reference);
                if (count == 0)
                    throw new CorruptStoreException($"A pending reference-count entry (key 0x{Convert.ToHexStringLower(key)}) names {reference}, which is not stored: the store's counts cannot be trusted; {StoreErrors.FsckHint}.");
                _counts[reference] = count + 1;
            }
            FoldedIncrements += references.Count;
            _batch.Delete(key, journal);
        }
        // The store counted the journal once and follows every write since: entries that vanished
        // (or appeared) behind its back mean counts that cannot be trusted.
        long known = _store.KnownPendingIncrements;
        if (known >= 0 && known != FoldedIncrements)
            throw new CorruptStoreException($"The count journal holds {FoldedIncrements} pending increments, but {known} were journaled: the store's counts cannot be trusted; {StoreErrors.FsckHint}.");
        _folded = true;
    }

    /// <summary>Removes the reference commit <paramref name="root"/> holds on its root node (see <see cref="Decrement"/>); the commit record itself is the caller's.</summary>
    public void Release(Hash root) => Decrement(ObjectRef.Node(root));

    /// <summary>Removes one reference to <paramref name="root"/>; an object losing its last reference is deleted, and releases its children in turn.</summary>
    public void Decrement(ObjectRef root)
    {
        FoldJournal();
        var pending = _pending;
        pending.Clear();
        pending.Push(root);
        Span<byte> key = stackalloc byte[Hash.Size];
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            ulong count = Count(reference);
            if (count == 0)
                throw new CorruptStoreException($"Cannot release {reference}: it is not stored, so its reference count would drop below zero: the store's counts are inconsistent; {StoreErrors.FsckHint}.");
            _counts[reference] = count - 1;
            if (count > 1) continue;

            reference.Key.CopyTo(key);
            var column = _store.Column(StoreColumns.ColumnOf(reference.Kind));
            if (reference.Kind == ObjectKind.Node)
            {
                PushChildren(_store.ReadNode(reference.Key), pending);
            }
            else if (reference.Kind == ObjectKind.Page && _store.StoredPageBase(reference.Key) is { } baseKey)
            {
                // Verified like a node before its base is released: a damaged header must not release another page.
                _store.ReadPage(reference.Key, _scratch.BasePage);
                pending.Push(ObjectRef.Page(baseKey));
            }
            else if (reference.Kind == ObjectKind.Bytecode)
            {
                _store.RemoveModules(_batch, reference.Key);
            }
            _batch.Delete(key, column);
            ObjectsRemoved++;
        }
    }

    /// <summary>
    /// Puts the new objects and the changed counts into the batch, each column in key order. Only
    /// counts of 2 or more are stored (a stored object without an entry counts 1, see
    /// <see cref="PageStore.RefCount"/>), so an entry is put when a count reaches 2 or more and
    /// deleted when it falls below 2 — never written for a count of 1.
    /// </summary>
    public void Flush()
    {
        Span<byte> objectKey = stackalloc byte[Hash.Size];
        var writes = CollectionsMarshal.AsSpan(_writes);
        var order = ArrayPool<int>.Shared.Rent(writes.Length);
        try
        {
            SortInKeyOrder(writes, order.AsSpan(0, writes.Length));
            foreach (int i in order.AsSpan(0, writes.Length))
            {
                var (reference, offset, length) = writes[i];
                reference.Key.CopyTo(objectKey);
                _batch.Put(objectKey, _written.AsSpan(offset, length), _store.Column(StoreColumns.ColumnOf(reference.Kind)));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
        }

        var refs = _store.Column(StoreColumn.Refs);
        Span<byte> key = stackalloc byte[1 + Hash.Size];
        Span<byte> value = stackalloc byte[8];
        var changed = _scratch.Changed;
        changed.Clear();
        // Only counts whose entry is put or deleted: a commit's new objects (count 1, before 0, most of
        // its counts) have none, and sorting them for nothing was a tenth of a block's commit.
        foreach (var (reference, count) in _counts)
            if (_before.GetValueOrDefault(reference) is var before && count != before && (count >= 2 || before >= 2)) changed.Add((reference, count, before));
        changed.Sort((a, b) => InKeyOrder(a.Reference, b.Reference));
        foreach (var (reference, count, before) in changed)
        {
            PageStore.RefKey(reference, key);
            if (count >= 2)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(value, count);
                _batch.Put(key, value, refs);
                BytesWritten += key.Length + value.Length;
            }
            else if (before >= 2)
            {
                _batch.Delete(key, refs);
            }
        }
    }

    /// <summary>Tells the store's count cache the new counts; call once the batch is written.</summary>
    public void Applied()
    {
        _store.RefCounts.MakeRoomFor(_counts.Count);
        foreach (var (reference, count) in _counts) _store.RefCounts.Set(reference, count);
    }

    /// <summary>Returns the working collections to the store; the transaction is unusable after.</summary>
    public void Dispose() => _store.ReturnScratch(_scratch);

    // A node holds one reference to each distinct child, however often it names it (a page-tree
    // branch over two equal pages names that page twice): counts are "commits and nodes referencing
    // the object", so the same definition holds when they are recomputed from the trees (fsck).
    private void PushChildren(ReadOnlySpan<byte> node, Stack<ObjectRef> pending)
    {
        _children.Clear();
        _store.Layout.AddChildren(node, _children);
        for (int i = 0; i < _children.Count; i++)
            if (_children.IndexOf(_children[i], 0, i) < 0) pending.Push(_children[i]);
    }

    // A count as applied (journaled increments not included) — all a deletion needs once it has
    // folded the journal into this transaction.
    private ulong Count(ObjectRef reference)
    {
        if (_counts.TryGetValue(reference, out ulong count)) return count;
        count = CachedAppliedCount(reference);
        _before[reference] = count;
        return count;
    }

    // The applied count the store holds now (through the cache, which may learn it before the write).
    private ulong CachedAppliedCount(ObjectRef reference)
    {
        if (!_store.RefCounts.TryGet(reference, out ulong count))
        {
            count = _store.AppliedCount(reference);
            _store.RefCounts.Set(reference, count);
        }
        return count;
    }

    // Whether a commit must write the object, counting it (1) if so: true for a staged object the
    // store lacks and this transaction has not written yet, false for one already stored or written.
    // Any other reference must be stored: one the staged objects vouch for (StagedObjects.MarkStored)
    // is taken at their word, the rest are looked up. A vouched-for reference is stored, so never
    // written here: asked first, it spares ~19,000 kept children a 1,000-call block two table lookups
    // each (BlockBench); a commit's counts are only the objects it wrote.
    private bool TryCountNew(ObjectRef reference, out ReadOnlyMemory<byte> value)
    {
        value = default;
        if (_staged is not null && _staged.IsKnownStored(reference)) return false;
        ref ulong count = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts, reference, out bool counted);
        if (counted) return false;
        bool staged = _staged is not null && _staged.TryGet(reference, out value);
        if (staged && IsAbsent(reference, value))
        {
            count = 1; // no entry: a stored object without one counts 1 (and _before has none: it counted 0)
            return true;
        }
        _counts.Remove(reference); // not this transaction's: its count is the store's
        if (staged) return false;
        ReferenceChecks++;
        if (CachedAppliedCount(reference) == 0)
            throw new CorruptStoreException($"Cannot commit: {reference} is referenced but neither stored nor staged.");
        return false;
    }

    // Whether a staged object is absent from the store. A stored node's children are always stored
    // (a commit writes all its root reaches that the store lacks, and an object is reclaimed only
    // once nothing references it; fsck checks it), so a node with an absent staged child is absent
    // too: only the bottom of each new path — a page, or a node whose children all exist — costs a
    // lookup. One new page: 1 lookup instead of 21.
    private bool IsAbsent(ObjectRef reference, ReadOnlyMemory<byte> value)
    {
        if (_absent.TryGetValue(reference, out bool absent)) return absent;
        if (reference.Kind == ObjectKind.Node)
        {
            int first = _probed.Count; // this call's children sit above its callers' in the shared list
            _store.Layout.AddChildren(value.Span, _probed);
            for (int i = first; i < _probed.Count && !absent; i++)
                absent = _staged!.TryGet(_probed[i], out var child) && IsAbsent(_probed[i], child);
            _probed.RemoveRange(first, _probed.Count - first);
        }
        if (!absent)
        {
            ExistenceLookups++;
            absent = !_store.Contains(reference);
        }
        _absent[reference] = absent;
        return absent;
    }

    // Appends the object's stored form (nodes as they are, pages and bytecode encoded) to the buffer;
    // deltaBase is the page a page was stored as a difference from.
    private int AddWrite(ObjectRef reference, ReadOnlySpan<byte> data, out Hash? deltaBase)
    {
        deltaBase = null;
        int max = reference.Kind == ObjectKind.Node ? data.Length : BlobCodec.MaxEncodedLength(data.Length);
        if (_written.Length - _writtenLength < max)
        {
            Array.Resize(ref _written, Math.Max(_written.Length * 2, _writtenLength + max));
            _scratch.Written = _written;
        }
        var destination = _written.AsSpan(_writtenLength, max);
        int length = reference.Kind == ObjectKind.Node ? Copy(data, destination) : BlobCodec.Encode(data, destination);
        if (reference.Kind == ObjectKind.Page) length = TryDelta(reference.Key, data, destination, length, ref deltaBase);
        _writes.Add((reference, _writtenLength, length));
        _writtenLength += length;
        return length;
    }

    // Replaces a page's whole encoding (wholeLength bytes in destination) by its difference from the
    // page it replaces when that is shorter and within the store's limit; returns the length kept.
    private int TryDelta(Hash page, ReadOnlySpan<byte> data, Span<byte> destination, int wholeLength, ref Hash? deltaBase)
    {
        int limit = _store.PageDeltaLimit;
        if (limit == 0 || wholeLength <= PageDelta.MinLength || _staged is null || !_staged.TryGetPreviousPage(page, out var previous)) return wholeLength;
        if (_store.ReadDeltaBase(previous, _scratch.BasePage) is not { } baseKey) return wholeLength;
        int length = PageDelta.TryEncode(data, baseKey, _scratch.BasePage, _scratch.Difference, _scratch.Delta,
            shorterThan: Math.Min(wholeLength, limit + 1));
        if (length < 0) return wholeLength;
        _scratch.Delta.AsSpan(0, length).CopyTo(destination);
        deltaBase = baseKey;
        return length;
    }

    // Fills order with the writes' indices in key order (InKeyOrder). Sorted on a 64-bit key first —
    // the kind (1 to 3: two bits), then the object key's first 62 bits — as plain numbers, several times faster than
    // comparing whole references (the sort was a twentieth of a block's commit, BlockBench); the runs
    // of equal 64-bit keys (almost never more than one write: the keys are hashes) are then ordered in full.
    internal static void SortInKeyOrder(ReadOnlySpan<(ObjectRef Reference, int Offset, int Length)> writes, Span<int> order)
    {
        var keys = ArrayPool<ulong>.Shared.Rent(writes.Length);
        try
        {
            var sortKeys = keys.AsSpan(0, writes.Length);
            for (int i = 0; i < writes.Length; i++)
            {
                sortKeys[i] = ((ulong)writes[i].Reference.Kind << 62) | (writes[i].Reference.Key.Prefix >> 2);
                order[i] = i;
            }
            sortKeys.Sort(order);
            for (int start = 0, end; start < writes.Length; start = end)
            {
                for (end = start + 1; end < writes.Length && sortKeys[end] == sortKeys[start]; end++) { }
                if (end - start > 1) order[start..end].Sort(new IndexOrder(writes.ToArray()));
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    private readonly struct IndexOrder((ObjectRef Reference, int Offset, int Length)[] writes) : IComparer<int>
    {
        public int Compare(int a, int b) => InKeyOrder(writes[a].Reference, writes[b].Reference);
    }

    // The order of each column's keys (a count key is the kind byte, then the object key). The kinds
    // compare as numbers: Enum.CompareTo takes an object, and a sort boxed ~600,000 of them per block.
    private static int InKeyOrder(ObjectRef a, ObjectRef b) => a.Kind != b.Kind ? ((int)a.Kind).CompareTo((int)b.Kind) : a.Key.CompareTo(b.Key);

    private static int Copy(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        data.CopyTo(destination);
        return data.Length;
    }
}
