using System.Buffers.Binary;
using RocksDbSharp;

namespace Piecrust.Storage;

/// <summary>
/// Reference-count changes of one commit or deletion, accumulated into one write batch.
/// Why reference counts rather than mark-and-sweep: every commit shares almost all of its nodes
/// with its parent, so a sweep would cost O(total state) per deletion, while counts cost
/// O(objects created or freed). Counts live in their own column family and change only inside the
/// same atomic batch as the objects they count, so they are exact after any crash.
/// Used under the store's write lock only.
/// </summary>
internal sealed class RefTransaction
{
    private readonly PageStore _store;
    private readonly WriteBatch _batch;
    private readonly StagedObjects? _staged;
    private readonly Dictionary<ObjectRef, ulong> _counts = new();
    private readonly Dictionary<ObjectRef, ulong> _before = new(); // counts as stored when first touched
    private readonly List<ObjectRef> _children = new();
    private readonly Dictionary<ObjectRef, bool> _absent = new(); // staged objects known stored or not
    private readonly List<ObjectRef> _probed = new();
    // New objects' stored bytes, gathered in one buffer and put into the batch in key order (Flush):
    // a memtable insert then starts from where the previous one ended (RocksDB keeps the last
    // insert's position in each skiplist), instead of searching from the top for every random key.
    private readonly List<(ObjectRef Reference, int Offset, int Length)> _writes = new();
    private byte[] _written = new byte[1 << 12];
    private int _writtenLength;

    public RefTransaction(PageStore store, WriteBatch batch, StagedObjects? staged)
    {
        _store = store;
        _batch = batch;
        _staged = staged;
    }

    /// <summary>Objects written by this transaction, and their encoded bytes (for statistics and tests).</summary>
    public int ObjectsWritten { get; private set; }

    /// <summary>Objects removed by this transaction.</summary>
    public int ObjectsRemoved { get; private set; }

    /// <summary>Bytes of keys and values added by this transaction.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Staged objects looked up in the store to learn whether they are stored.</summary>
    public int ExistenceLookups { get; private set; }

    /// <summary>Adds one reference to <paramref name="root"/>; an object gaining its first reference is written, and references its children in turn.</summary>
    public void Increment(ObjectRef root)
    {
        var pending = new Stack<ObjectRef>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            ulong count = Count(reference);
            _counts[reference] = count + 1;
            if (count > 0) continue;

            if (_staged is null || !_staged.TryGet(reference, out var value))
                throw new CorruptStoreException($"Cannot commit: {reference} is referenced but neither stored nor staged.");
            int length = AddWrite(reference, value.Span);
            ObjectsWritten++;
            BytesWritten += Hash.Size + length;

            if (reference.Kind == ObjectKind.Node) PushChildren(value.Span, pending);
        }
    }

    /// <summary>Removes one reference to <paramref name="root"/>; an object losing its last reference is deleted, and releases its children in turn.</summary>
    public void Decrement(ObjectRef root)
    {
        var pending = new Stack<ObjectRef>();
        pending.Push(root);
        Span<byte> key = stackalloc byte[Hash.Size];
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            ulong count = Count(reference);
            if (count == 0)
                throw new CorruptStoreException($"Reference count of {reference} would drop below zero: the store's counts are inconsistent (run fsck).");
            _counts[reference] = count - 1;
            if (count > 1) continue;

            reference.Key.CopyTo(key);
            var column = _store.Column(StoreColumns.ColumnOf(reference.Kind));
            if (reference.Kind == ObjectKind.Node)
            {
                PushChildren(_store.ReadNode(reference.Key), pending);
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
        _writes.Sort((a, b) => InKeyOrder(a.Reference, b.Reference));
        foreach (var (reference, offset, length) in _writes)
        {
            reference.Key.CopyTo(objectKey);
            _batch.Put(objectKey, _written.AsSpan(offset, length), _store.Column(StoreColumns.ColumnOf(reference.Kind)));
        }

        var refs = _store.Column(StoreColumn.Refs);
        Span<byte> key = stackalloc byte[1 + Hash.Size];
        Span<byte> value = stackalloc byte[8];
        var changed = _counts.Select(c => (Reference: c.Key, Count: c.Value, Before: _before[c.Key]))
            .Where(c => c.Count != c.Before).ToList();
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
        foreach (var (reference, count) in _counts) _store.RefCounts.Set(reference, count);
    }

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

    private ulong Count(ObjectRef reference)
    {
        if (_counts.TryGetValue(reference, out ulong count)) return count;
        if (!_store.RefCounts.TryGet(reference, out count))
        {
            count = _staged is not null && _staged.TryGet(reference, out var value)
                ? IsAbsent(reference, value) ? 0 : _store.StoredCount(reference) ?? 1
                : _store.RefCount(reference);
            _store.RefCounts.Set(reference, count); // what the store holds now, so safe to cache before the write
        }
        _before[reference] = count;
        return count;
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

    // Appends the object's stored form (nodes as they are, pages and bytecode encoded) to the buffer.
    private int AddWrite(ObjectRef reference, ReadOnlySpan<byte> data)
    {
        int max = reference.Kind == ObjectKind.Node ? data.Length : BlobCodec.MaxEncodedLength(data.Length);
        if (_written.Length - _writtenLength < max)
            Array.Resize(ref _written, Math.Max(_written.Length * 2, _writtenLength + max));
        var destination = _written.AsSpan(_writtenLength, max);
        int length = reference.Kind == ObjectKind.Node ? Copy(data, destination) : BlobCodec.Encode(data, destination);
        _writes.Add((reference, _writtenLength, length));
        _writtenLength += length;
        return length;
    }

    // The order of each column's keys (a count key is the kind byte, then the object key).
    private static int InKeyOrder(ObjectRef a, ObjectRef b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : a.Key.CompareTo(b.Key);

    private static int Copy(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        data.CopyTo(destination);
        return data.Length;
    }
}
