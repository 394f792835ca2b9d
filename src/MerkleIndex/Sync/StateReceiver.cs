using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Pulls one state from a <see cref="ISyncSource"/> into a store. It walks the state's trees from the
/// root, depth first, asking the source in batches for the objects the store lacks: an object the
/// store holds is skipped with its whole subtree (a stored node's subtree is complete, see
/// <see cref="ObjectImport"/>), which is what makes a sync against an older state move only the
/// changed paths, and an interrupted sync resume without asking again for what it stored.
/// Every object is verified against the hash it was asked by, and against the place its parent gives
/// it (<see cref="StateRules"/>, bytecode through <see cref="IBytecodeValidator"/>), before it is kept.
/// A node is kept (in memory) until all its children are written, then written itself, so writes go
/// bottom-up; the root's commit is one atomic batch at the end.
/// </summary>
/// <remarks>
/// Memory: the nodes on the walk's open paths and the work stack, O(tree height × batch), plus one
/// batch of objects and the write buffer (<see cref="FlushBytes"/>); never the state. Single use.
/// </remarks>
internal sealed class StateReceiver(PageStore store, ISyncSource source, IBytecodeValidator validator, IProgress<SyncProgress>? progress)
{
    /// <summary>Objects buffered for writing before a batch is written.</summary>
    private const int FlushObjects = 1024;

    /// <summary>Bytes buffered for writing before a batch is written.</summary>
    private const long FlushBytes = 4L << 20;

    private const int VerdictCacheLimit = 1024;

    /// <summary>A fetched node waiting for its children to be written.</summary>
    private sealed class Frame(ObjectRef reference, byte[] bytes, Frame? parent, ContractLeaf? leaf)
    {
        public ObjectRef Reference { get; } = reference;
        public byte[] Bytes { get; } = bytes;
        public Frame? Parent { get; } = parent;
        public ContractLeaf? Leaf { get; } = leaf;
        public int Remaining { get; set; }
    }

    /// <summary>An object to get, where it sits, and the node waiting for it.</summary>
    private readonly record struct Wanted(ObjectRef Reference, StatePlace Place, ContractLeaf? TreeOf, Frame? Parent);

    private readonly Stack<Wanted> _work = new();
    private readonly List<(ObjectRef Child, StatePlace Place)> _children = [];
    private readonly Dictionary<Hash, BytecodeVerdict> _verdicts = [];
    private long _fetched, _bytes, _present, _requests;
    private Hash _root;
    private bool _done;

    /// <summary>Test hook: called before each request to the source with the number of requests made so far.</summary>
    internal static Action<long>? BeforeRequest { get; set; }

    public SyncSummary Run(Hash root)
    {
        _root = root;
        using var import = store.BeginImport();
        if (root == Domain.EmptyState)
        {
            import.Commit(root, null, null);
            return Summary();
        }
        var rootNode = ObjectRef.Node(root);
        _work.Push(new Wanted(rootNode, StatePlace.Root, null, null));
        var batch = new List<Wanted>(source.MaxBatch);
        var asked = new List<ObjectRef>(source.MaxBatch);
        while (_work.Count > 0)
        {
            batch.Clear();
            asked.Clear();
            while (batch.Count < Math.Max(1, source.MaxBatch) && _work.TryPop(out var wanted))
            {
                if (import.Holds(wanted.Reference))
                {
                    _present++;
                    CheckHeld(wanted);
                    Completed(wanted.Parent, import);
                    continue;
                }
                batch.Add(wanted);
                asked.Add(wanted.Reference);
            }
            if (batch.Count == 0) continue;
            try
            {
                var objects = Fetch(asked);
                for (int i = 0; i < batch.Count; i++) Receive(batch[i], objects[i], import);
            }
            catch (Exception e) when (e is SyncSourceException or SyncVerificationException)
            {
                KeepWhatWasVerified(import);
                throw;
            }
            if (import.PendingObjects >= FlushObjects || import.PendingBytes >= FlushBytes) import.Flush();
            progress?.Report(Progress(import));
        }
        if (!_done) throw new InvalidOperationException("The walk ended before the root was complete.");
        import.Commit(root, rootNode, null);
        progress?.Report(Progress(import));
        return Summary();
    }

    // What is pending is verified and complete (written bottom-up): storing it lets the next attempt skip it.
    private static void KeepWhatWasVerified(ObjectImport import)
    {
        try
        {
            import.Flush();
        }
        catch (PiecrustException)
        {
            // The source's failure is the one to report; the next attempt fetches these again.
        }
    }

    private IReadOnlyList<byte[]> Fetch(List<ObjectRef> asked)
    {
        BeforeRequest?.Invoke(_requests);
        _requests++;
        var objects = source.GetObjects(asked);
        if (objects.Count != asked.Count)
            throw new SyncSourceException($"The source answered a request for {asked.Count} objects with {objects.Count}.");
        return objects;
    }

    private void Receive(Wanted wanted, byte[] content, ObjectImport import)
    {
        var reference = wanted.Reference;
        if (Verify(reference, content) is { } wrong)
            throw new SyncVerificationException(reference, $"The source sent a wrong {reference}: {wrong}. Nothing of commit {_root} became visible; retry (another source may be used).");
        _fetched++;
        _bytes += content.Length;
        switch (reference.Kind)
        {
            case ObjectKind.Page:
                import.Add(reference, content);
                Completed(wanted.Parent, import);
                break;
            case ObjectKind.Bytecode:
                var verdict = validator.Validate(content);
                if (verdict.Violation is { } violation)
                    throw Broken(reference, $"bytecode {reference.Key} fails the deploy-time module validation: {violation.TrimEnd('.')}");
                Remember(reference.Key, verdict);
                import.Add(reference, content);
                Completed(wanted.Parent, import);
                break;
            default:
                _children.Clear();
                if (StateRules.CheckNode(reference.Key, content, wanted.Place, wanted.TreeOf, _children, out var leaf) is { } broken)
                    throw Broken(reference, broken);
                var frame = new Frame(reference, content, wanted.Parent, leaf) { Remaining = _children.Count };
                if (frame.Remaining == 0)
                {
                    Finish(frame, import);
                    break;
                }
                foreach (var (child, place) in _children)
                    _work.Push(new Wanted(child, place, null, frame) with { TreeOf = place.Kind == PlaceKind.PageBranch ? leaf : null });
                break;
        }
    }

    // One more child of `frame` is written (or held): a node whose children are all written is written in turn.
    private void Completed(Frame? frame, ObjectImport import)
    {
        if (frame is null)
        {
            _done = true;
            return;
        }
        if (--frame.Remaining == 0) Finish(frame, import);
    }

    private void Finish(Frame frame, ObjectImport import)
    {
        if (frame.Leaf is { } leaf && ContractRules.CheckCode(leaf, VerdictOf(leaf.Bytecode)) is { } broken)
            throw Broken(frame.Reference, broken);
        import.Add(frame.Reference, frame.Bytes);
        Completed(frame.Parent, import);
    }

    // A held object's subtree was checked when it was written; what is checked here is that it fits the place this state gives it.
    private void CheckHeld(Wanted wanted)
    {
        if (wanted.Reference.Kind != ObjectKind.Node) return;
        var bytes = StoreSyncSource.Read(store, wanted.Reference)
            ?? throw new ImportConflictException($"{wanted.Reference} was deleted while the sync used it; run the sync again.");
        _children.Clear();
        if (StateRules.CheckNode(wanted.Reference.Key, bytes, wanted.Place, wanted.TreeOf, _children, out _) is { } broken)
            throw Broken(wanted.Reference, broken);
    }

    private BytecodeVerdict VerdictOf(Hash bytecode)
    {
        if (_verdicts.TryGetValue(bytecode, out var verdict)) return verdict;
        var stored = StoreSyncSource.Read(store, ObjectRef.Bytecode(bytecode))
            ?? throw new ImportConflictException($"Bytecode {bytecode} was deleted while the sync used it; run the sync again.");
        verdict = validator.Validate(stored);
        Remember(bytecode, verdict);
        return verdict;
    }

    private void Remember(Hash bytecode, BytecodeVerdict verdict)
    {
        if (_verdicts.Count >= VerdictCacheLimit) _verdicts.Clear();
        _verdicts[bytecode] = verdict;
    }

    /// <summary>Why <paramref name="content"/> is not object <paramref name="reference"/>, or null when it is.</summary>
    private string? Verify(ObjectRef reference, byte[] content)
    {
        switch (reference.Kind)
        {
            case ObjectKind.Page:
                if (content.Length != PageStore.PageSize) return $"{content.Length} bytes where a page has {PageStore.PageSize}";
                if (reference.Key == PageStore.ZeroPageKey) return "the all-zero page is never stored or sent";
                return Hash.Of(content) is var page && page != reference.Key ? $"its bytes hash to {page}" : null;
            case ObjectKind.Bytecode:
                if (content.Length == 0 || content.Length > validator.MaxBytecodeLength)
                    return $"{content.Length} bytes where bytecode has 1 to {validator.MaxBytecodeLength}";
                return Hash.Of(content) is var code && code != reference.Key ? $"its bytes hash to {code}" : null;
            default:
                if (content.Length == 0 || content.Length > StateSnapshot.MaxNodeLength)
                    return $"{content.Length} bytes where a node has 1 to {StateSnapshot.MaxNodeLength}";
                try
                {
                    return NodeLayout.Instance.KeyOf(content) is var node && node != reference.Key ? $"its bytes hash to {node}" : null;
                }
                catch (CorruptStoreException e)
                {
                    return $"it is not a node ({e.Message.TrimEnd('.')})";
                }
        }
    }

    private SyncVerificationException Broken(ObjectRef reference, string rule) =>
        new(reference, $"The source's state {_root} is invalid: {rule.TrimEnd('.')}. Nothing of it became visible.");

    private SyncProgress Progress(ObjectImport import) => new(_fetched, _bytes, _present, import.ObjectsWritten);

    private SyncSummary Summary() => new(_root, _fetched, _bytes, _present, _requests);
}
