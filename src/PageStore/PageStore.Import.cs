using System.Buffers.Binary;
using System.Text;
using RocksDbSharp;

namespace Piecrust.Storage;

// Imports of received states (ObjectImport): objects written bottom-up under pins, then one commit batch.
public sealed partial class PageStore
{
    private int _activeImports; // under the write lock; gc leaves pins alone while an import runs

    /// <summary>Starts an import of objects received from elsewhere (see <see cref="ObjectImport"/>).</summary>
    public ObjectImport BeginImport()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock) _activeImports++;
        return new ObjectImport(this);
    }

    internal void EndImport()
    {
        lock (_writeLock) _activeImports--;
    }

    /// <summary>Objects pinned by unfinished imports (written, referenced by nothing else yet).</summary>
    /// <exception cref="CorruptStoreException">The pin column cannot be read to its end.</exception>
    public long Pins
    {
        get
        {
            long count = 0;
            using var scan = Scan(StoreColumn.Pins);
            while (scan.MoveNext()) count++;
            return count;
        }
    }

    /// <summary>
    /// Writes received objects in one batch, in order (children first). A new object is written with a
    /// pin; a new node takes over its children's pins, or adds a reference to a child stored before.
    /// Returns how many objects it wrote.
    /// </summary>
    internal int WriteImported(List<(ObjectRef Reference, byte[] Bytes)> objects)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            using var batch = new WriteBatch();
            var pins = Column(StoreColumn.Pins);
            var pinned = new Dictionary<ObjectRef, bool>(); // pin state changed in this batch
            var counts = new Dictionary<ObjectRef, (ulong Before, ulong Now)>(); // applied counts of stored children
            var written = new HashSet<ObjectRef>();
            var children = new List<ObjectRef>();
            Span<byte> key = stackalloc byte[1 + Hash.Size];
            byte[] encoded = [];
            foreach (var (reference, bytes) in objects)
            {
                if (written.Contains(reference) || Contains(reference)) continue; // stored meanwhile: its subtree is complete
                var column = Column(StoreColumns.ColumnOf(reference.Kind));
                if (reference.Kind == ObjectKind.Node)
                {
                    batch.Put(reference.Key.ToArray(), bytes, column);
                }
                else
                {
                    int max = BlobCodec.MaxEncodedLength(bytes.Length);
                    if (encoded.Length < max) encoded = new byte[max];
                    int length = BlobCodec.Encode(bytes, encoded);
                    batch.Put(reference.Key.ToArray(), encoded.AsSpan(0, length).ToArray(), column);
                }
                RefKey(reference, key);
                batch.Put(key, ReadOnlySpan<byte>.Empty, pins);
                pinned[reference] = true;
                written.Add(reference);
                if (reference.Kind != ObjectKind.Node) continue;

                children.Clear();
                Layout.AddChildren(bytes, children);
                for (int i = 0; i < children.Count; i++)
                {
                    var child = children[i];
                    if (children.IndexOf(child, 0, i) >= 0) continue; // one reference per distinct child
                    if (IsPinned(child, pinned))
                    {
                        RefKey(child, key);
                        batch.Delete(key, pins); // the pin's reference becomes the node's
                        pinned[child] = false;
                    }
                    else if (written.Contains(child) || Contains(child))
                    {
                        if (!counts.TryGetValue(child, out var count))
                        {
                            ulong applied = written.Contains(child) ? 1 : CurrentAppliedCount(child);
                            count = (applied, applied);
                        }
                        counts[child] = (count.Before, count.Now + 1);
                    }
                    else
                    {
                        throw new ImportConflictException($"Cannot write node {reference.Key}: its child {child} is not stored (deleted meanwhile, or never received). Nothing of this batch was written; run the import again.");
                    }
                }
            }
            Span<byte> value = stackalloc byte[8];
            var refs = Column(StoreColumn.Refs);
            foreach (var (reference, (_, now)) in counts)
            {
                RefKey(reference, key);
                BinaryPrimitives.WriteUInt64LittleEndian(value, now);
                batch.Put(key, value, refs); // always 2 or more: the child had a referrer already
            }
            Write(batch);
            foreach (var reference in written) RefCounts.Set(reference, 1);
            foreach (var (reference, (_, now)) in counts) RefCounts.Set(reference, now);
            return written.Count;
        }
    }

    /// <summary>Makes an imported state a commit: its record, and its root node's reference moved from the pin to the commit (or added).</summary>
    internal CommitInfo CommitImported(Hash root, ObjectRef? rootNode, Hash? parent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            if (_commits.ContainsKey(root)) return WriteCommitLocked(root, rootNode, parent, new StagedObjects());
            using var batch = new WriteBatch();
            ulong? newCount = null;
            if (rootNode is { } node)
            {
                Span<byte> key = stackalloc byte[1 + Hash.Size];
                RefKey(node, key);
                if (Get(StoreColumn.Pins, key) is not null)
                {
                    batch.Delete(key, Column(StoreColumn.Pins));
                }
                else if (Contains(node))
                {
                    newCount = CurrentAppliedCount(node) + 1;
                    var value = new byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(value, newCount.Value);
                    batch.Put(key, value, Column(StoreColumn.Refs));
                }
                else
                {
                    throw new ImportConflictException($"Cannot commit {root}: its root node is not stored. Nothing was committed; run the import again.");
                }
            }
            var record = new CommitRecord(_nextSequence, parent, rootNode is not null, PendingDelete: false);
            batch.Put(root.ToArray(), record.Encode(root), Column(StoreColumn.Commits));
            var sequence = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(sequence, _nextSequence + 1);
            batch.Put(Encoding.ASCII.GetBytes(SequenceKey), sequence, Column(StoreColumn.Meta));
            FaultPoint(StoreFault.BeforeCommitWrite);
            Write(batch);
            FaultPoint(StoreFault.AfterCommitWrite);
            if (newCount is { } count && rootNode is { } counted) RefCounts.Set(counted, count);
            _nextSequence++;
            _commits[root] = record;
            return new CommitInfo(root, parent, record.Sequence);
        }
    }

    /// <summary>Stages, in a gc's transaction, the release of every pin (the objects of abandoned imports); returns how many. Nothing while an import runs.</summary>
    private int StagePinRelease(WriteBatch batch, RefTransaction transaction)
    {
        if (_activeImports > 0) return 0;
        int released = 0;
        var pins = Column(StoreColumn.Pins);
        var keys = new List<byte[]>();
        using (var scan = Scan(StoreColumn.Pins))
            while (scan.MoveNext()) keys.Add(scan.Key.ToArray());
        foreach (var key in keys)
        {
            if (key.Length != 1 + Hash.Size || !Enum.IsDefined((ObjectKind)key[0]))
                throw new CorruptStoreException($"A pin key is malformed (0x{Convert.ToHexStringLower(key)}): the store's counts cannot be trusted; {StoreErrors.FsckHint}.");
            transaction.Decrement(new ObjectRef((ObjectKind)key[0], Hash.FromBytes(key.AsSpan(1))));
            batch.Delete(key, pins);
            released++;
        }
        return released;
    }

    private bool IsPinned(ObjectRef reference, Dictionary<ObjectRef, bool> changed)
    {
        if (changed.TryGetValue(reference, out bool pinned)) return pinned;
        Span<byte> key = stackalloc byte[1 + Hash.Size];
        RefKey(reference, key);
        return Get(StoreColumn.Pins, key) is not null;
    }

    // The applied count (journal not included), through the cache; under the write lock.
    private ulong CurrentAppliedCount(ObjectRef reference)
    {
        if (!RefCounts.TryGet(reference, out ulong count))
        {
            count = AppliedCount(reference);
            RefCounts.Set(reference, count);
        }
        return count;
    }
}
