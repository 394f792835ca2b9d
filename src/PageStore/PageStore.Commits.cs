using System.Buffers.Binary;
using System.Diagnostics;
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
    /// <exception cref="CorruptStoreException">The stored finalized root is not a live commit (a damaged value; <c>Check</c> reports it too).</exception>
    public Hash? Finalized
    {
        get
        {
            lock (_writeLock)
            {
                // Deleting the finalized commit clears the value, so a root that is not live can only be damage.
                if (_finalized is { } root && (!_commits.TryGetValue(root, out var record) || record.PendingDelete))
                    throw new CorruptStoreException($"The store's finalized root ({FinalizedKey}) {root} is not one of its commits.");
                return _finalized;
            }
        }
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
    /// <exception cref="CorruptStoreException">A reached object is neither staged nor stored, or the store is damaged where the commit reads (nothing is written).</exception>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error); nothing is written.</exception>
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
                    revive.Put(root.ToArray(), existing.Encode(root), Column(StoreColumn.Commits));
                    Write(revive);
                    _commits[root] = existing;
                }
                return new CommitInfo(root, existing.Parent, existing.Sequence);
            }

            if (PendingIncrementCount() >= _pendingCountLimit) ApplyPendingIncrements();
            using var batch = new WriteBatch();
            using var transaction = new RefTransaction(this, batch, staged);
            if (rootNode is { } node) transaction.Increment(node);
            transaction.Journal(_nextSequence);
            transaction.Flush();

            var record = new CommitRecord(_nextSequence, parent, rootNode is not null, PendingDelete: false);
            batch.Put(root.ToArray(), record.Encode(root), Column(StoreColumn.Commits));
            var sequence = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(sequence, _nextSequence + 1);
            batch.Put(Encoding.ASCII.GetBytes(SequenceKey), sequence, Column(StoreColumn.Meta));
            FaultPoint(StoreFault.BeforeCommitWrite);
            Write(batch, transaction);
            FaultPoint(StoreFault.AfterCommitWrite);

            _nextSequence++;
            _commits[root] = record;
            LastWrite = new WriteStatistics(transaction.ObjectsWritten, 0, transaction.BytesWritten, transaction.ExistenceLookups, LastBatchBytes, transaction.ReferenceChecks);
            return new CommitInfo(root, parent, record.Sequence);
        }
    }

    /// <summary>
    /// Deletes a live commit. Objects it alone reaches are reclaimed in the same atomic batch,
    /// unless a lease holds the commit: then it leaves <see cref="Commits"/> now and is reclaimed
    /// when the last lease ends (or on the next open, if the process stops first). Commits that
    /// named it as parent are re-parented to its own parent, so lineage survives deletions.
    /// </summary>
    /// <remarks>
    /// A deletion reclaims nothing on counts it cannot trust: when the count journal, a count, or an
    /// object it would release is unreadable or contradicts the rest (see <see cref="RefTransaction"/>),
    /// it throws <see cref="CorruptStoreException"/> and writes nothing.
    /// </remarks>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">The counts or objects the deletion relies on are damaged or inconsistent; nothing is deleted.</exception>
    /// <exception cref="StoreIOException">Reading or writing failed (a full disk, an I/O error); nothing is deleted.</exception>
    public void DeleteCommit(Hash root) => DeleteCommits([root]);

    /// <summary>Deletes several live commits in one atomic batch (see <see cref="DeleteCommit"/>).</summary>
    /// <exception cref="CommitNotFoundException">One of the roots is not a live commit (nothing is deleted).</exception>
    /// <exception cref="CorruptStoreException">The counts or objects the deletion relies on are damaged or inconsistent; nothing is deleted.</exception>
    /// <exception cref="StoreIOException">Reading or writing failed; nothing is deleted.</exception>
    public void DeleteCommits(IReadOnlyCollection<Hash> roots)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            foreach (var root in roots) RequireLive(root);
            using var batch = new WriteBatch();
            using var transaction = new RefTransaction(this, batch, staged: null);
            var (updates, unfinalize) = Delete(roots.ToHashSet(), batch, transaction);
            transaction.Flush();
            FaultPoint(StoreFault.BeforeReclaimWrite);
            Write(batch, transaction);
            FaultPoint(StoreFault.AfterReclaimWrite);
            Apply(updates);
            if (unfinalize) _finalized = null;
            LastWrite = new WriteStatistics(0, transaction.ObjectsRemoved, 0, BatchBytes: LastBatchBytes);
        }
    }

    /// <summary>
    /// Marks a live commit as finalized (persistently). With <paramref name="pruneOthers"/>, every
    /// live commit that is neither it nor one of its descendants is deleted in the same atomic batch.
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">Pruning would rely on damaged or inconsistent counts (see <see cref="DeleteCommit"/>); nothing is written.</exception>
    /// <exception cref="StoreIOException">Reading or writing failed; nothing is written.</exception>
    public void Finalize(Hash root, bool pruneOthers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            RequireLive(root);
            using var batch = new WriteBatch();
            using var transaction = new RefTransaction(this, batch, staged: null);
            var doomed = pruneOthers
                ? _commits.Where(c => !c.Value.PendingDelete && !IsDescendantOrSelf(c.Key, root)).Select(c => c.Key).ToHashSet()
                : [];
            var (updates, _) = Delete(doomed, batch, transaction);
            batch.Put(Encoding.ASCII.GetBytes(FinalizedKey), root.ToArray(), Column(StoreColumn.Meta));
            transaction.Flush();
            FaultPoint(StoreFault.BeforeReclaimWrite);
            Write(batch, transaction);
            FaultPoint(StoreFault.AfterReclaimWrite);
            Apply(updates);
            _finalized = root;
            LastWrite = new WriteStatistics(0, transaction.ObjectsRemoved, 0, BatchBytes: LastBatchBytes);
        }
    }

    /// <summary>True when <paramref name="root"/> is <paramref name="ancestor"/> or descends from it through parent links.</summary>
    public bool IsDescendantOrSelf(Hash root, Hash ancestor)
    {
        lock (_writeLock)
        {
            var seen = new HashSet<Hash>();
            for (Hash? current = root; current is { } c && seen.Add(c); current = _commits.TryGetValue(c, out var r) ? r.Parent : null)
                if (c == ancestor) return true;
            return false;
        }
    }

    /// <summary>The sequence number the next commit gets; under the write lock.</summary>
    internal ulong NextSequence => _nextSequence;

    private void RequireLive(Hash root)
    {
        if (!_commits.TryGetValue(root, out var record) || record.PendingDelete)
            throw new CommitNotFoundException(root);
    }

    // Stages the deletion of `doomed` into the batch and returns the new in-memory records
    // (null = the record is gone), to apply once the batch is written, and whether the finalized
    // root goes with them. Leased commits only become pending; children are re-parented.
    private (Dictionary<Hash, CommitRecord?> Updates, bool Unfinalize) Delete(HashSet<Hash> doomed, WriteBatch batch, RefTransaction transaction)
    {
        var updates = new Dictionary<Hash, CommitRecord?>();
        if (doomed.Count == 0) return (updates, false);
        var commits = Column(StoreColumn.Commits);
        bool unfinalize = false;
        foreach (var root in doomed)
        {
            var record = _commits[root];
            if (_leases.ContainsKey(root))
            {
                updates[root] = record with { PendingDelete = true };
                batch.Put(root.ToArray(), updates[root]!.Value.Encode(root), commits);
            }
            else
            {
                if (record.HasRootNode) transaction.Release(root);
                updates[root] = null;
                batch.Delete(root.ToArray(), commits);
            }
            unfinalize |= ClearFinalizedIf(root, batch);
        }
        foreach (var (root, record) in _commits)
        {
            if (doomed.Contains(root) || record.Parent is not { } parent || !doomed.Contains(parent)) continue;
            var adopted = record with { Parent = NearestSurvivor(parent, doomed) };
            updates[root] = adopted;
            batch.Put(root.ToArray(), adopted.Encode(root), commits);
        }
        return (updates, unfinalize);
    }

    private Hash? NearestSurvivor(Hash start, HashSet<Hash> doomed)
    {
        Hash? current = start;
        var seen = new HashSet<Hash>();
        while (current is { } c && (doomed.Contains(c) || (_commits.TryGetValue(c, out var r) && r.PendingDelete)) && seen.Add(c))
            current = _commits.TryGetValue(c, out var record) ? record.Parent : null;
        return current;
    }

    private void Apply(Dictionary<Hash, CommitRecord?> updates)
    {
        foreach (var (root, record) in updates)
        {
            if (record is { } r) _commits[root] = r;
            else _commits.Remove(root);
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
                ReclaimDeferred([root]);
        }
    }

    /// <summary>
    /// Reclaims deleted commits whose reclamation was deferred (by a lease, or by a stop before it),
    /// when that can be done safely now. When it cannot (damaged or inconsistent counts, a failed
    /// write), it is deferred again rather than failing a lease's release or the store's opening:
    /// the commits stay invisible, nothing is lost, and <see cref="CollectGarbage"/>, which throws
    /// the reason, or the next open tries again.
    /// </summary>
    private void ReclaimDeferred(IReadOnlyCollection<Hash> roots)
    {
        try
        {
            Reclaim(roots);
        }
        catch (Exception e) when (e is CorruptStoreException or StoreIOException)
        {
        }
    }

    /// <summary>Reclaims deleted commits no lease holds any more, in one batch: all of them, or (on damage) none.</summary>
    private void Reclaim(IReadOnlyCollection<Hash> roots)
    {
        using var batch = new WriteBatch();
        using var transaction = new RefTransaction(this, batch, staged: null);
        foreach (var root in roots)
        {
            if (_commits[root].HasRootNode) transaction.Release(root);
            batch.Delete(root.ToArray(), Column(StoreColumn.Commits));
        }
        transaction.Flush();
        FaultPoint(StoreFault.BeforeReclaimWrite);
        Write(batch, transaction);
        FaultPoint(StoreFault.AfterReclaimWrite);
        foreach (var root in roots) _commits.Remove(root);
        LastWrite = new WriteStatistics(0, transaction.ObjectsRemoved, 0, BatchBytes: LastBatchBytes);
    }

    // Stages the removal of the finalized mark when `root` holds it; the caller clears it in memory once written.
    private bool ClearFinalizedIf(Hash root, WriteBatch batch)
    {
        if (_finalized != root) return false;
        batch.Delete(Encoding.ASCII.GetBytes(FinalizedKey), Column(StoreColumn.Meta));
        return true;
    }

    /// <summary>Writes a batch holding reference-count changes, then lets the count cache learn them (never before: a failed write changes nothing).</summary>
    private void Write(WriteBatch batch, RefTransaction transaction)
    {
        Write(batch);
        transaction.Applied();
        // A fold consumed the whole journal: what remains is what this transaction journaled.
        if (transaction.FoldedJournal) _pendingIncrements = transaction.JournaledIncrements;
        else if (_pendingIncrements >= 0) _pendingIncrements += transaction.JournaledIncrements;
    }

    /// <summary>
    /// Journaled increments not yet applied, as last counted: read from the journal the first time it
    /// is needed (not at open, so a store whose journal is damaged still opens for reading), then kept
    /// up to date by every write. -1 until read.
    /// </summary>
    internal long KnownPendingIncrements => _pendingIncrements;

    /// <exception cref="CorruptStoreException">The journal cannot be read to its end.</exception>
    private long PendingIncrementCount()
    {
        if (_pendingIncrements < 0)
        {
            long count = 0;
            foreach (var (_, value) in JournalEntries()) count += value.Length / CountJournal.EntrySize;
            _pendingIncrements = count;
        }
        return _pendingIncrements;
    }

    /// <summary>The transactions' working collections: the store's own when free (transactions run one at a time under the write lock), else new ones.</summary>
    internal RefScratch TakeScratch()
    {
        Debug.Assert(Monitor.IsEntered(_writeLock), "Transactions run under the write lock only.");
        var scratch = _scratch.InUse ? new RefScratch() : _scratch;
        scratch.Reset();
        scratch.InUse = true;
        return scratch;
    }

    internal void ReturnScratch(RefScratch scratch) => scratch.InUse = false;

    // Applies the journaled count increments in a batch of their own (when they exceed the limit).
    private void ApplyPendingIncrements()
    {
        using var batch = new WriteBatch();
        using var transaction = new RefTransaction(this, batch, staged: null);
        transaction.FoldJournal();
        transaction.Flush();
        Write(batch, transaction);
    }

    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error); nothing of the batch is applied.</exception>
    /// <exception cref="CorruptStoreException">RocksDB refuses writes because it found damaged data.</exception>
    private void Write(WriteBatch batch)
    {
        LastBatchBytes = BatchSize(batch);
        if (KeepLastBatch) LastBatch = batch.ToBytes();
        if (WriteFailureInjector?.Invoke(Directory, "write batch") is { } injected)
            throw StoreErrors.Write(Directory, "write batch", injected, null);
        try
        {
            _db.Write(batch, _writeOptions);
        }
        catch (RocksDbException e)
        {
            throw StoreErrors.Write(Directory, "write batch", WithTableColumn(e.Message), e);
        }
    }

    /// <summary>Size of the serialized batch, as RocksDB logs it: header, and per entry a type byte, column id, key and value with their lengths.</summary>
    private static long BatchSize(WriteBatch batch)
    {
        Native.Instance.rocksdb_writebatch_data(batch.Handle, out UIntPtr size);
        return (long)size;
    }

    /// <summary>Bytes of the last batch written (<see cref="BatchSize"/>); under the write lock.</summary>
    private long LastBatchBytes { get; set; }

    /// <summary>Test hook: when set, <see cref="LastBatch"/> keeps a copy of every batch written (to take a commit apart byte by byte).</summary>
    internal bool KeepLastBatch { get; set; }

    /// <summary>The serialized form of the last batch written, when <see cref="KeepLastBatch"/> is set.</summary>
    internal byte[]? LastBatch { get; private set; }

    /// <summary>The RocksDB id of a column family (the number a serialized batch names it by).</summary>
    internal uint ColumnId(StoreColumn column) => Native.Instance.rocksdb_column_family_handle_get_id(Column(column).Handle);

    /// <summary>
    /// Test hook: called with the store's directory and what is being written ("write batch",
    /// "compaction") before each write; a non-null result is a RocksDB status text the write then
    /// fails with (e.g. "IO error: No space left on device"), as if RocksDB had returned it.
    /// Process-wide; null in normal use.
    /// </summary>
    internal static Func<string, string, string?>? WriteFailureInjector { get; set; }

    private void LoadMeta()
    {
        var format = GetMeta(FormatKey);
        if (format is null)
        {
            if (GetMeta(SequenceKey) is not null)
                throw new CorruptStoreException($"The store at '{Directory}' has commits but no format marker.");
            PutFormat();
        }
        else if (PreviousFormatValues.Contains(Encoding.ASCII.GetString(format)))
        {
            PutFormat(); // it is already a valid store of this format (no differences, an empty or valid journal)
        }
        else if (Encoding.ASCII.GetString(format) != FormatValue)
        {
            throw new CorruptStoreException($"The store at '{Directory}' has format '{Encoding.ASCII.GetString(format)}'; this version reads '{FormatValue}'.");
        }
        var sequence = GetMeta(SequenceKey);
        _nextSequence = sequence is { Length: 8 } ? BinaryPrimitives.ReadUInt64LittleEndian(sequence) : 0;
        var finalized = GetMeta(FinalizedKey);
        _finalized = finalized is { Length: Hash.Size } ? Hash.FromBytes(finalized) : null;
    }

    private byte[]? GetMeta(string name) => Get(StoreColumn.Meta, Encoding.ASCII.GetBytes(name));

    private void PutFormat()
    {
        using var batch = new WriteBatch();
        batch.Put(Encoding.ASCII.GetBytes(FormatKey), Encoding.ASCII.GetBytes(FormatValue), Column(StoreColumn.Meta));
        Write(batch);
    }

    private void LoadCommits()
    {
        using var scan = Scan(StoreColumn.Commits);
        while (scan.MoveNext())
        {
            var key = scan.Key;
            if (key.Length != Hash.Size)
                throw new CorruptStoreException($"The store at '{Directory}' has a commit key of {key.Length} bytes.");
            var root = Hash.FromBytes(key);
            _commits[root] = CommitRecord.Decode(root, scan.Value);
        }
    }

    /// <summary>
    /// A damaged commit-sequence value must not make a new commit reuse a sequence number (and so
    /// its place in <see cref="Commits"/>): new commits go after the last recorded one. Check reports the value.
    /// </summary>
    private void CheckSequence()
    {
        if (_commits.Count > 0 && _commits.Values.Max(c => c.Sequence) is var last && last >= _nextSequence)
            _nextSequence = last + 1;
    }

    private void ReclaimPendingDeletes()
    {
        lock (_writeLock)
        {
            var pending = _commits.Where(c => c.Value.PendingDelete).Select(c => c.Key).ToArray();
            if (pending.Length > 0) ReclaimDeferred(pending);
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
/// <param name="ExistenceLookups">Staged objects a commit had to look up in the store to learn whether they were already there (the rest were inferred absent).</param>
/// <param name="BatchBytes">Size of the commit's whole write batch as RocksDB logs it: everything of <paramref name="BytesWritten"/>, the commit record, the sequence number and RocksDB's per-entry framing.</param>
/// <param name="ReferenceChecks">References a commit's new nodes make to objects it did not write, checked to be stored (through the count cache, else the store); the ones the staged objects vouched for (<see cref="StagedObjects.MarkStored"/>) are not checked.</param>
public readonly record struct WriteStatistics(int ObjectsWritten, int ObjectsRemoved, long BytesWritten, int ExistenceLookups = 0, long BatchBytes = 0, int ReferenceChecks = 0);
