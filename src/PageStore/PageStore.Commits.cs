using System.Buffers.Binary;
using System.Text;
using RocksDbSharp;

namespace Piecrust.Storage;

public sealed partial class PageStore
{
    /// <summary>Live commits in creation order (a snapshot; commits being deleted are left out).</summary>
    public IReadOnlyList<CommitInfo> Commits
    {
        get
        {
            lock (_writeLock)
                return _commits.Where(c => !c.Value.PendingDelete)
                    .OrderBy(c => c.Value.Sequence)
                    .Select(c => new CommitInfo(c.Key, c.Value.Parent, c.Value.Sequence))
                    .ToArray();
        }
    }

    /// <summary>The live commit with this root, or null.</summary>
    public CommitInfo? TryGetCommit(Hash root)
    {
        lock (_writeLock)
            return _commits.TryGetValue(root, out var record) && !record.PendingDelete
                ? new CommitInfo(root, record.Parent, record.Sequence)
                : null;
    }

    /// <summary>The root marked finalized, if any (and still live).</summary>
    public Hash? Finalized
    {
        get { lock (_writeLock) return _finalized; }
    }

    /// <summary>Statistics of the last commit or deletion, for tests and benchmarks.</summary>
    public WriteStatistics LastWrite { get; private set; }

    /// <summary>
    /// Writes a commit atomically: the staged objects it reaches that the store lacks, the reference
    /// counts, the commit record and the sequence number go into one write batch (fsync'd when
    /// durable). Writing a root that is already a live commit changes nothing.
    /// </summary>
    /// <param name="root">The state root; the commit's key.</param>
    /// <param name="rootNode">The stored node the root refers to, or null for an empty state.</param>
    /// <param name="parent">The commit this state was built on.</param>
    /// <param name="staged">New objects; those not reached from <paramref name="rootNode"/> are ignored.</param>
    /// <exception cref="CorruptStoreException">A reached object is neither staged nor stored (nothing is written).</exception>
    public CommitInfo WriteCommit(Hash root, ObjectRef? rootNode, Hash? parent, StagedObjects staged)
    {
        lock (_writeLock) return WriteCommitLocked(root, rootNode, parent, staged);
    }

    /// <summary>
    /// <see cref="WriteCommit"/>, then a lease on the new commit taken under the same lock, so no
    /// deletion can slip in between (a session moving its base to the commit it just made).
    /// </summary>
    public (CommitInfo Commit, IDisposable Lease) WriteCommitLeased(Hash root, ObjectRef? rootNode, Hash? parent, StagedObjects staged)
    {
        lock (_writeLock)
        {
            var commit = WriteCommitLocked(root, rootNode, parent, staged);
            return (commit, Lease(root));
        }
    }

    private CommitInfo WriteCommitLocked(Hash root, ObjectRef? rootNode, Hash? parent, StagedObjects staged)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        {
            if (_commits.TryGetValue(root, out var existing))
            {
                if (existing.PendingDelete)
                {
                    // Re-committing a state whose deletion waits on a lease: it simply becomes live again.
                    existing = existing with { PendingDelete = false };
                    using var revive = new WriteBatch();
                    revive.Put(root.ToArray(), existing.Encode(), Column(StoreColumn.Commits));
                    Write(revive);
                    _commits[root] = existing;
                }
                return new CommitInfo(root, existing.Parent, existing.Sequence);
            }

            using var batch = new WriteBatch();
            var transaction = new RefTransaction(this, batch, staged);
            if (rootNode is { } node) transaction.Increment(node);
            transaction.Flush();

            var record = new CommitRecord(_nextSequence, parent, rootNode is not null, PendingDelete: false);
            batch.Put(root.ToArray(), record.Encode(), Column(StoreColumn.Commits));
            var sequence = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(sequence, _nextSequence + 1);
            batch.Put(Encoding.ASCII.GetBytes(SequenceKey), sequence, Column(StoreColumn.Meta));
            FaultPoint(StoreFault.BeforeCommitWrite);
            Write(batch);
            transaction.Applied();
            FaultPoint(StoreFault.AfterCommitWrite);

            _nextSequence++;
            _commits[root] = record;
            LastWrite = new WriteStatistics(transaction.ObjectsWritten, 0, transaction.BytesWritten);
            return new CommitInfo(root, parent, record.Sequence);
        }
    }

    /// <summary>
    /// Deletes a live commit. Objects it alone reaches are reclaimed in the same atomic batch,
    /// unless a lease holds the commit: then it leaves <see cref="Commits"/> now and is reclaimed
    /// when the last lease ends (or on the next open, if the process stops first).
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public void DeleteCommit(Hash root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            if (!_commits.TryGetValue(root, out var record) || record.PendingDelete)
                throw new CommitNotFoundException(root);
            if (_leases.ContainsKey(root))
            {
                record = record with { PendingDelete = true };
                using var batch = new WriteBatch();
                batch.Put(root.ToArray(), record.Encode(), Column(StoreColumn.Commits));
                ClearFinalizedIf(root, batch);
                Write(batch);
                _commits[root] = record;
                return;
            }
            Reclaim(root, record);
        }
    }

    /// <summary>
    /// Keeps a live commit's objects readable until the returned lease is disposed, even if the
    /// commit is deleted meanwhile. Sessions hold a lease on their base.
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public IDisposable Lease(Hash root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            if (!_commits.TryGetValue(root, out var record) || record.PendingDelete)
                throw new CommitNotFoundException(root);
            _leases[root] = _leases.GetValueOrDefault(root) + 1;
            return new CommitLease(this, root);
        }
    }

    /// <summary>Number of leases currently held on <paramref name="root"/>.</summary>
    public int LeaseCount(Hash root)
    {
        lock (_writeLock) return _leases.GetValueOrDefault(root);
    }

    /// <summary>Marks a live commit as finalized (persistently).</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public void SetFinalized(Hash root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            if (!_commits.TryGetValue(root, out var record) || record.PendingDelete)
                throw new CommitNotFoundException(root);
            using var batch = new WriteBatch();
            batch.Put(Encoding.ASCII.GetBytes(FinalizedKey), root.ToArray(), Column(StoreColumn.Meta));
            Write(batch);
            _finalized = root;
        }
    }

    private void ReleaseLease(Hash root)
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            int count = _leases[root] - 1;
            if (count > 0)
            {
                _leases[root] = count;
                return;
            }
            _leases.Remove(root);
            if (_commits.TryGetValue(root, out var record) && record.PendingDelete)
                Reclaim(root, record);
        }
    }

    private void Reclaim(Hash root, CommitRecord record)
    {
        using var batch = new WriteBatch();
        var transaction = new RefTransaction(this, batch, staged: null);
        if (record.HasRootNode) transaction.Decrement(ObjectRef.Node(root));
        transaction.Flush();
        batch.Delete(root.ToArray(), Column(StoreColumn.Commits));
        ClearFinalizedIf(root, batch);
        FaultPoint(StoreFault.BeforeReclaimWrite);
        Write(batch);
        transaction.Applied();
        _commits.Remove(root);
        LastWrite = new WriteStatistics(0, transaction.ObjectsRemoved, 0);
    }

    private void ClearFinalizedIf(Hash root, WriteBatch batch)
    {
        if (_finalized != root) return;
        batch.Delete(Encoding.ASCII.GetBytes(FinalizedKey), Column(StoreColumn.Meta));
        _finalized = null;
    }

    private void Write(WriteBatch batch)
    {
        try
        {
            _db.Write(batch, _writeOptions);
        }
        catch (RocksDbException e)
        {
            throw new CorruptStoreException($"Writing to the store at '{Directory}' failed: {e.Message}", e);
        }
    }

    private void LoadMeta()
    {
        var meta = Column(StoreColumn.Meta);
        var format = _db.Get(FormatKey, meta);
        if (format is null)
        {
            if (_db.Get(Encoding.ASCII.GetBytes(SequenceKey), meta) is not null)
                throw new CorruptStoreException($"The store at '{Directory}' has commits but no format marker.");
            _db.Put(FormatKey, FormatValue, meta);
        }
        else if (format != FormatValue)
        {
            throw new CorruptStoreException($"The store at '{Directory}' has format '{format}'; this version reads '{FormatValue}'.");
        }
        var sequence = _db.Get(Encoding.ASCII.GetBytes(SequenceKey), meta);
        _nextSequence = sequence is { Length: 8 } ? BinaryPrimitives.ReadUInt64LittleEndian(sequence) : 0;
        var finalized = _db.Get(Encoding.ASCII.GetBytes(FinalizedKey), meta);
        _finalized = finalized is { Length: Hash.Size } ? Hash.FromBytes(finalized) : null;
    }

    private void LoadCommits()
    {
        using var iterator = _db.NewIterator(Column(StoreColumn.Commits));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (key.Length != Hash.Size)
                throw new CorruptStoreException($"The store at '{Directory}' has a commit key of {key.Length} bytes.");
            var root = Hash.FromBytes(key);
            _commits[root] = CommitRecord.Decode(root, iterator.GetValueSpan());
        }
    }

    private void ReclaimPendingDeletes()
    {
        lock (_writeLock)
        {
            foreach (var (root, record) in _commits.Where(c => c.Value.PendingDelete).ToArray())
                Reclaim(root, record);
        }
    }

    private sealed class CommitLease(PageStore store, Hash root) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) store.ReleaseLease(root);
        }
    }
}

/// <summary>What the last commit or deletion wrote or removed.</summary>
/// <param name="ObjectsWritten">Pages, nodes and bytecode newly written.</param>
/// <param name="ObjectsRemoved">Pages, nodes and bytecode reclaimed.</param>
/// <param name="BytesWritten">Bytes of keys and values added to the store (objects and counts).</param>
public readonly record struct WriteStatistics(int ObjectsWritten, int ObjectsRemoved, long BytesWritten);
