using System.Buffers.Binary;
using System.Text;
using RocksDbSharp;

namespace Piecrust.Storage;

public sealed partial class PageStore
{
    /// <summary>
    /// Checks the whole store (fsck) and reports every problem instead of throwing: decodes every
    /// commit record; walks the object graph from every commit's root (live commits and deleted ones
    /// whose reclamation waits on a lease); verifies every reachable page, node and bytecode against
    /// its key; recomputes every reference count from that graph and compares it with the stored one;
    /// lists stored objects nothing reaches (leaks) and referenced objects that are missing; verifies
    /// the checksums of cached compiled modules; checks the store-wide metadata; and, given
    /// <paramref name="states"/>, what every commit's state means (reported as
    /// <see cref="StoreProblemKind.MisplacedNode"/>, <see cref="StoreProblemKind.InvalidContract"/>,
    /// <see cref="StoreProblemKind.InvalidBytecode"/>). Every column family
    /// is read to its end, and finally RocksDB verifies the checksum of every block of every table
    /// file: what cannot be read is reported (<see cref="StoreProblemKind.UnreadableData"/>), never
    /// taken for the end of the data.
    /// </summary>
    /// <remarks>
    /// A recomputed reference count is the number of commits rooted at the object plus the number of
    /// distinct reachable nodes that reference it (a node naming the same child twice, e.g. a page-tree
    /// branch over two identical pages, counts once), plus the reachable pages stored as a difference
    /// from it (<see cref="PageDelta"/>), which is what the store maintains. Commits, deletions and finalizations wait while the check runs (it holds the
    /// write lock, so it sees one consistent state); reads and running sessions do not. Memory use is
    /// proportional to the number of stored objects (their keys are held in sets).
    /// Problems the walk finds below a corrupt or missing node are also reported: its children are not
    /// followed, so they may show up as leaks or with a wrong count. When the commit records or the
    /// count journal cannot all be read, counts and leaks are not judged (every one would look wrong):
    /// the unreadable column is the problem reported.
    /// </remarks>
    /// <param name="progress">Receives progress per phase (commits, scanning, verifying, counting, leaks, modules, states, table checksums).</param>
    /// <param name="states">Checks what the states mean, after the structure (see <see cref="IStateCheck"/>); none when null.</param>
    public StoreCheckReport Check(IProgress<MaintenanceProgress>? progress = null, IStateCheck? states = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock) return new Checker(this, progress, states).Run();
    }

    /// <summary>
    /// <see cref="Check"/> on the store in <paramref name="directory"/>
    /// without opening it for use: nothing is loaded, reclaimed or written first, so this also checks a
    /// store that <see cref="Open"/> refuses (for instance because a commit record is malformed).
    /// </summary>
    /// <exception cref="StoreNotFoundException">There is no store in the directory.</exception>
    /// <exception cref="StoreLockedException">Another open store holds the directory.</exception>
    /// <remarks>A database RocksDB refuses to open (a damaged table file or manifest) is reported as one <see cref="StoreProblemKind.UnreadableData"/> problem.</remarks>
    public static StoreCheckReport CheckDirectory(string directory, INodeLayout layout, IProgress<MaintenanceProgress>? progress = null, IStateCheck? states = null)
    {
        directory = Path.GetFullPath(directory);
        if (!Exists(directory)) throw new StoreNotFoundException($"No store at '{directory}'.");
        RocksDb db;
        try
        {
            db = OpenDb(directory, new PageStoreOptions { CreateIfMissing = false });
        }
        catch (CorruptStoreException e)
        {
            return StoreCheckReport.Unopenable(new StoreProblem(StoreProblemKind.UnreadableData, directory, null,
                $"{e.Message} Nothing else could be checked."));
        }
        using var store = new PageStore(db, directory, layout);
        return new Checker(store, progress, states).Run();
    }

    // A store opened only to be checked: no commits loaded, nothing reclaimed, never written to.
    private PageStore(RocksDb db, string directory, INodeLayout layout)
    {
        _db = db;
        Directory = directory;
        Layout = layout;
        _writeOptions = new WriteOptions();
        _columns = StoreColumns.All.Select(c => db.GetColumnFamily(StoreColumns.Name(c))).ToArray();
    }

    private sealed class Checker(PageStore store, IProgress<MaintenanceProgress>? progress, IStateCheck? states)
    {
        private const int ReportEvery = 1024;
        private static readonly ObjectKind[] Kinds = [ObjectKind.Page, ObjectKind.Node, ObjectKind.Bytecode];

        private readonly List<StoreProblem> _problems = [];
        private readonly HashSet<ObjectRef> _stored = [];
        private readonly HashSet<ObjectRef> _reachable = [];
        private readonly Dictionary<ObjectRef, ulong> _expected = [];
        private readonly List<(ObjectRef Reference, string Referrer)> _roots = [];
        private readonly List<(ObjectRef Reference, string Referrer)> _pins = []; // objects of unfinished imports: referenced by their pin
        private readonly HashSet<StoreColumn> _unreadable = []; // columns that could not be read to their end
        // A page value could not be read, so whether it is a difference, and from which base, is unknown.
        private bool _unreadablePages;
        private long _commits, _pendingDeletes, _pages, _nodes, _bytecodes, _refs, _modules, _orphanModules, _contracts;

        public StoreCheckReport Run()
        {
            CheckCommits();
            ScanStoredKeys();
            Walk();
            CompareCounts();
            FindLeaks();
            CheckModules();
            // Every commit's state, pending deletions included: a session holding one still loads it.
            if (states is not null) _contracts = states.Check(store, _roots.Select(r => r.Reference.Key).ToArray(), _problems.Add, progress);
            VerifyTableChecksums();
            return new StoreCheckReport(_problems, _commits, _pendingDeletes, _pages, _nodes, _bytecodes, _refs, _modules, _orphanModules, _contracts);
        }

        /// <summary>Runs one pass over a column; when RocksDB cannot read on, reports it and returns false.</summary>
        private bool Scan(StoreColumn column, Action<ColumnScan> entry)
        {
            try
            {
                using var scan = store.Scan(column);
                while (scan.MoveNext()) entry(scan);
                return true;
            }
            catch (Exception e) when (e is CorruptStoreException or StoreIOException)
            {
                Unreadable(column, StoreColumns.Name(column), e.Message);
                return false;
            }
        }

        private void Unreadable(StoreColumn column, string key, string message)
        {
            _unreadable.Add(column);
            Problem(StoreProblemKind.UnreadableData, key, null, message);
        }

        // The counts and leaks follow from every commit and every journaled increment: with part of either unknown, judging them would only mislead.
        private bool CountsJudgeable => !_unreadable.Contains(StoreColumn.Commits) && !_unreadable.Contains(StoreColumn.Increments) && !_unreadable.Contains(StoreColumn.Pins);

        private void CheckCommits()
        {
            ulong maxSequence = 0;
            bool any = false;
            var live = new HashSet<Hash>();
            Scan(StoreColumn.Commits, iterator =>
            {
                {
                    var key = iterator.Key;
                    if (key.Length != Hash.Size)
                    {
                        Problem(StoreProblemKind.MalformedCommitRecord, Convert.ToHexStringLower(key), null,
                            $"A commit record has a key of {key.Length} bytes (0x{Convert.ToHexStringLower(key)}); commit keys are 32-byte roots.");
                        return;
                    }
                    var root = Hash.FromBytes(key);
                    CommitRecord record;
                    try
                    {
                        record = CommitRecord.Decode(root, iterator.Value);
                    }
                    catch (CorruptStoreException e)
                    {
                        Problem(StoreProblemKind.MalformedCommitRecord, root.ToString(), null, e.Message);
                        return;
                    }
                    _commits++;
                    if (record.PendingDelete) _pendingDeletes++;
                    else live.Add(root);
                    maxSequence = any ? Math.Max(maxSequence, record.Sequence) : record.Sequence;
                    any = true;
                    if (record.HasRootNode) _roots.Add((ObjectRef.Node(root), $"commit {root}"));
                    Report("reading commits", _commits, 0);
                }
            });
            CheckMeta(any, maxSequence, live);
            ReadPins();
        }

        // A pin holds one reference to an object an unfinished import wrote (ObjectImport).
        private void ReadPins()
        {
            Scan(StoreColumn.Pins, iterator =>
            {
                var key = iterator.Key;
                if (key.Length != 1 + Hash.Size || !Enum.IsDefined((ObjectKind)key[0]))
                {
                    Problem(StoreProblemKind.MalformedKey, Convert.ToHexStringLower(key), null,
                        $"A pin key is malformed (0x{Convert.ToHexStringLower(key)}); pins are a kind byte and a 32-byte key.");
                    return;
                }
                _pins.Add((new ObjectRef((ObjectKind)key[0], Hash.FromBytes(key[1..])), "an unfinished import"));
            });
        }

        private void CheckMeta(bool anyCommit, ulong maxSequence, HashSet<Hash> live)
        {
            if (!Scan(StoreColumn.Meta, CheckHint)) return; // its values cannot be judged
            var meta = new Dictionary<string, byte[]?>();
            foreach (var name in new[] { FormatKey, SequenceKey, FinalizedKey })
            {
                try
                {
                    meta[name] = store.Get(StoreColumn.Meta, Encoding.ASCII.GetBytes(name));
                }
                catch (Exception e) when (e is CorruptStoreException or StoreIOException)
                {
                    Unreadable(StoreColumn.Meta, name, e.Message);
                    return;
                }
            }
            var format = meta[FormatKey];
            var sequence = meta[SequenceKey];
            // No marker and nothing ever committed: the process stopped while creating the store,
            // before it wrote the marker. The next open writes it; nothing is wrong.
            bool creationInterrupted = format is null && !anyCommit && sequence is null;
            if (!creationInterrupted && (format is null || Encoding.ASCII.GetString(format) is var marker && marker != FormatValue && !PreviousFormatValues.Contains(marker)))
                Problem(StoreProblemKind.BadMetadata, FormatKey, null,
                    $"The store's format marker is {(format is null ? "missing" : $"'{Encoding.ASCII.GetString(format)}'")}; expected '{FormatValue}'.");
            if (sequence is not null && sequence.Length != 8)
                Problem(StoreProblemKind.BadMetadata, SequenceKey, null, $"The commit sequence value is {sequence.Length} bytes; it should be 8.");
            else if (anyCommit && (sequence is null || BinaryPrimitives.ReadUInt64LittleEndian(sequence) <= maxSequence))
                Problem(StoreProblemKind.BadMetadata, SequenceKey, null,
                    $"The next commit sequence ({(sequence is null ? "missing" : BinaryPrimitives.ReadUInt64LittleEndian(sequence).ToString())}) is not above the highest recorded one ({maxSequence}): a new commit could reuse a sequence number.");
            var finalized = meta[FinalizedKey];
            if (finalized is null) return;
            if (finalized.Length != Hash.Size)
                Problem(StoreProblemKind.BadMetadata, FinalizedKey, null, $"The finalized root is {finalized.Length} bytes; it should be 32.");
            else if (!live.Contains(Hash.FromBytes(finalized)) && !_unreadable.Contains(StoreColumn.Commits))
                Problem(StoreProblemKind.BadMetadata, Hash.FromBytes(finalized).ToString(), null,
                    $"The finalized root {Hash.FromBytes(finalized)} is not a live commit.");
        }

        // A hint (ReadHint) no state depends on: a damaged one is ignored when read, so fsck is where it is reported.
        private void CheckHint(ColumnScan scan)
        {
            var key = scan.Key;
            if (!key.StartsWith(Encoding.ASCII.GetBytes(HintPrefix))) return;
            if (Checksummed.IsIntact(scan.Value)) return;
            string name = Encoding.ASCII.GetString(key);
            Problem(StoreProblemKind.BadMetadata, name, null,
                $"The hint '{name}' does not match its checksum. No state depends on it (the engine ignores it, and the next VM that commits writes it again).");
        }

        private void ScanStoredKeys()
        {
            foreach (var kind in Kinds)
            {
                Scan(StoreColumns.ColumnOf(kind), iterator =>
                {
                    var key = iterator.Key;
                    if (key.Length != Hash.Size)
                    {
                        Problem(StoreProblemKind.MalformedKey, Convert.ToHexStringLower(key), null,
                            $"The {StoreColumns.Name(StoreColumns.ColumnOf(kind))} column holds a key of {key.Length} bytes (0x{Convert.ToHexStringLower(key)}); object keys are 32-byte hashes.");
                        return;
                    }
                    _stored.Add(new ObjectRef(kind, Hash.FromBytes(key)));
                    if (_stored.Count % ReportEvery == 0) Report("scanning stored keys", _stored.Count, 0);
                });
            }
        }

        // Whether the object is stored. When the scan of its column stopped early, objects past the
        // damage are looked up one by one; one RocksDB cannot even look up is taken as stored, so that
        // reading it reports it, naming its key.
        private bool IsStored(ObjectRef reference)
        {
            if (_stored.Contains(reference)) return true;
            if (!_unreadable.Contains(StoreColumns.ColumnOf(reference.Kind))) return false;
            try
            {
                if (!store.Contains(reference)) return false;
            }
            catch (Exception e) when (e is CorruptStoreException or StoreIOException)
            {
            }
            _stored.Add(reference);
            return true;
        }

        private void Walk()
        {
            var pending = new Stack<(ObjectRef Reference, string Referrer)>();
            foreach (var root in _roots.Concat(_pins))
            {
                Count(root.Reference);
                pending.Push(root);
            }
            var children = new List<ObjectRef>();
            long total = _stored.Count;
            while (pending.Count > 0)
            {
                var (reference, referrer) = pending.Pop();
                if (!_reachable.Add(reference)) continue;
                if (_reachable.Count % ReportEvery == 0) Report("verifying objects", _reachable.Count, total);
                if (!IsStored(reference))
                {
                    Problem(StoreProblemKind.MissingObject, reference, $"The store lacks {reference}, which {referrer} references.");
                    continue;
                }
                switch (reference.Kind)
                {
                    case ObjectKind.Page:
                        _pages++;
                        Hash? baseKey = null;
                        // The base a difference names counts even when the page cannot be rebuilt (its base damaged, say).
                        if (Verify(reference, () => baseKey = store.StoredPageBase(reference.Key)))
                            Verify(reference, () => store.ReadPage(reference.Key, new byte[PageSize]));
                        else
                            _unreadablePages = true;
                        if (baseKey is { } b)
                        {
                            // A page stored as a difference references its base, like a node its children.
                            var child = ObjectRef.Page(b);
                            Count(child);
                            if (!_reachable.Contains(child)) pending.Push((child, reference.ToString()));
                        }
                        break;
                    case ObjectKind.Bytecode:
                        _bytecodes++;
                        Verify(reference, () => store.ReadBytecode(reference.Key));
                        break;
                    case ObjectKind.Node:
                        _nodes++;
                        children.Clear();
                        if (!Verify(reference, () => store.Layout.AddChildren(store.ReadNode(reference.Key), children))) break;
                        for (int i = 0; i < children.Count; i++)
                        {
                            var child = children[i];
                            if (children.IndexOf(child, 0, i) >= 0) continue; // a node holds one reference per distinct child
                            Count(child);
                            if (!_reachable.Contains(child)) pending.Push((child, reference.ToString()));
                        }
                        break;
                }
            }
            Report("verifying objects", _reachable.Count, total);
        }

        private bool Verify(ObjectRef reference, Action read)
        {
            try
            {
                read();
                return true;
            }
            catch (CorruptStoreException e)
            {
                Problem(StoreProblemKind.CorruptObject, reference, e.Message);
                return false;
            }
            catch (StoreIOException e)
            {
                Problem(StoreProblemKind.UnreadableData, reference, e.Message);
                return false;
            }
        }

        private void CompareCounts()
        {
            var pending = PendingIncrements();
            var seen = new HashSet<ObjectRef>();
            bool judge = CountsJudgeable;
            long total = _expected.Count;
            bool refsRead = Scan(StoreColumn.Refs, iterator =>
            {
                _refs++;
                if (_refs % ReportEvery == 0) Report("comparing reference counts", _refs, total);
                var key = iterator.Key;
                var value = iterator.Value;
                if (key.Length != 1 + Hash.Size || !Enum.IsDefined((ObjectKind)key[0]) || value.Length != 8)
                {
                    Problem(StoreProblemKind.MalformedReferenceCount, Convert.ToHexStringLower(key), null,
                        $"A reference-count entry is malformed (key 0x{Convert.ToHexStringLower(key)}, {value.Length}-byte value).");
                    return;
                }
                var reference = new ObjectRef((ObjectKind)key[0], Hash.FromBytes(key[1..]));
                seen.Add(reference);
                ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(value);
                if (judge) CompareCount(reference, stored, pending, $"is {stored}");
            });
            // Past an unreadable block of counts, an object without a seen entry may still have one.
            if (!judge || !refsRead) return;
            // Every reachable object's count was compared, explicitly stored or not.
            _refs += _expected.Keys.Count(reference => !seen.Contains(reference));
            // Objects with a single referrer have no entry: their count is 1 by being stored.
            foreach (var reference in _expected.Keys)
                if (!seen.Contains(reference)) CompareCount(reference, 1, pending, "has no entry (which means 1)");
            // Journaled increments of objects that neither have an entry nor are reachable.
            foreach (var reference in pending.Keys)
                if (!seen.Contains(reference) && !_expected.ContainsKey(reference))
                {
                    bool stored = IsStored(reference);
                    CompareCount(reference, stored ? 1UL : 0, pending, stored ? "has no entry (which means 1)" : "is not stored (0)");
                }
            Report("comparing reference counts", _refs, total);
        }

        // A count is its stored value plus the increments commits journaled for it.
        private void CompareCount(ObjectRef reference, ulong stored, Dictionary<ObjectRef, ulong> pending, string storedText)
        {
            ulong journaled = pending.GetValueOrDefault(reference);
            ulong expected = _expected.GetValueOrDefault(reference);
            if (stored + journaled == expected) return;
            // A page counted more than the walk found may be the base of a difference that could not be read (reported already).
            if (reference.Kind == ObjectKind.Page && _unreadablePages && stored + journaled > expected && expected > 0) return;
            string count = journaled == 0 ? storedText : $"{storedText} with {journaled} pending {(journaled == 1 ? "increment" : "increments")}";
            Problem(StoreProblemKind.WrongReferenceCount, reference,
                $"The reference count of {reference} {count}, but {expected} {(expected == 1 ? "reference reaches" : "references reach")} it.");
        }

        private Dictionary<ObjectRef, ulong> PendingIncrements()
        {
            var pending = new Dictionary<ObjectRef, ulong>();
            var references = new List<ObjectRef>();
            Scan(StoreColumn.Increments, entry =>
            {
                references.Clear();
                if (!CountJournal.TryDecode(entry.Key, entry.Value, references))
                {
                    Problem(StoreProblemKind.MalformedReferenceCount, Convert.ToHexStringLower(entry.Key), null,
                        $"A pending reference-count entry is malformed (key 0x{Convert.ToHexStringLower(entry.Key)}, {entry.Value.Length}-byte value); its increments are ignored.");
                    return;
                }
                foreach (var reference in references) pending[reference] = pending.GetValueOrDefault(reference) + 1;
            });
            return pending;
        }

        private void FindLeaks()
        {
            if (_unreadable.Contains(StoreColumn.Commits)) return; // what the unread commits reach would all look leaked
            foreach (var reference in _stored)
                if (!_reachable.Contains(reference))
                    Problem(StoreProblemKind.LeakedObject, reference, $"{Capitalized(reference)} is stored but no commit reaches it.");
        }

        private void CheckModules()
        {
            Scan(StoreColumn.Modules, iterator =>
            {
                _modules++;
                if (_modules % 64 == 0) Report("verifying compiled modules", _modules, 0);
                var key = iterator.Key;
                if (key.Length != 2 * Hash.Size)
                {
                    Problem(StoreProblemKind.CorruptModule, Convert.ToHexStringLower(key), null,
                        $"A compiled-module entry has a key of {key.Length} bytes (0x{Convert.ToHexStringLower(key)}); it should be 64.");
                    return;
                }
                var bytecode = Hash.FromBytes(key[..Hash.Size]);
                if (!Checksummed.IsIntact(iterator.Value))
                    Problem(StoreProblemKind.CorruptModule, bytecode.ToString(), null,
                        $"The compiled module cached for bytecode {bytecode} does not match its checksum (it would be recompiled once removed).");
                if (!IsStored(ObjectRef.Bytecode(bytecode))) _orphanModules++;
            });
        }

        /// <summary>
        /// Has RocksDB verify every block of every table file, including blocks no scan reads (old
        /// versions of overwritten values, filters). It stops at the first bad file; that file is
        /// reported unless a scan already reported its column.
        /// </summary>
        private void VerifyTableChecksums()
        {
            Report("verifying table checksums", 0, 0);
            try
            {
                Native.Instance.rocksdb_verify_checksum(store._db.Handle);
            }
            catch (RocksDbException e)
            {
                var column = store.ColumnOfTable(e.Message);
                if (column is { } c && _unreadable.Contains(c)) return;
                string name = column is { } known ? StoreColumns.Name(known) : "unknown";
                Problem(StoreProblemKind.UnreadableData, name, null,
                    $"RocksDB found a damaged table file{(column is null ? "" : $" of the {name} column")}: {e.Message}");
                if (column is { } found) _unreadable.Add(found);
            }
        }

        private void Count(ObjectRef reference) => _expected[reference] = _expected.GetValueOrDefault(reference) + 1;

        private void Problem(StoreProblemKind kind, ObjectRef reference, string message) =>
            _problems.Add(new StoreProblem(kind, reference.Key.ToString(), reference, message));

        private void Problem(StoreProblemKind kind, string key, ObjectRef? reference, string message) =>
            _problems.Add(new StoreProblem(kind, key, reference, message));

        private void Report(string phase, long done, long total) => progress?.Report(new MaintenanceProgress(phase, done, total));

        private static string Capitalized(ObjectRef reference)
        {
            var text = reference.ToString();
            return char.ToUpperInvariant(text[0]) + text[1..];
        }
    }
}
