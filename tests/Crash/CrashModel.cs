using Piecrust.Storage;

namespace Piecrust.Tests.Crash;

/// <summary>
/// What a store must hold after a kill, built only from the operations the crash child acknowledged:
/// the live commits (each with its parent and the value of every counter in it) and the finalized
/// mark. It follows the store's documented rules and nothing else: a deletion re-parents the
/// children of a deleted commit to its nearest surviving ancestor and clears the finalized mark if
/// it named the deleted commit; finalizing under <see cref="HistoryMode.Prune"/> deletes every commit
/// that is neither the finalized one nor one of its descendants; committing a root that is already
/// live changes nothing.
/// </summary>
internal sealed class CrashModel
{
    private readonly Dictionary<Hash, ModelCommit> _commits;

    public CrashModel() => _commits = [];

    private CrashModel(CrashModel other)
    {
        _commits = new Dictionary<Hash, ModelCommit>(other._commits);
        Finalized = other.Finalized;
    }

    /// <summary>A live commit: its parent and its counters' values.</summary>
    public sealed record ModelCommit(Hash? Parent, IReadOnlyDictionary<ContractId, ulong> Values);

    /// <summary>The live commits.</summary>
    public IReadOnlyDictionary<Hash, ModelCommit> Commits => _commits;

    /// <summary>The finalized mark.</summary>
    public Hash? Finalized { get; private set; }

    /// <summary>A copy to apply an operation to that may or may not have happened.</summary>
    public CrashModel Clone() => new(this);

    /// <summary>
    /// A commit of <paramref name="root"/> from a session on <paramref name="baseRoot"/> in which the
    /// <paramref name="changes"/> were made.
    /// </summary>
    /// <exception cref="InvalidOperationException">The base is not live in the model, or the root is live with other values: the model lost track of the store.</exception>
    public void Commit(Hash root, Hash? baseRoot, IReadOnlyDictionary<ContractId, ulong> changes)
    {
        var values = new SortedDictionary<ContractId, ulong>();
        if (baseRoot is { } b)
        {
            if (!_commits.TryGetValue(b, out var baseCommit))
                throw new InvalidOperationException($"The child committed on {b}, which the model does not hold as live.");
            foreach (var (id, value) in baseCommit.Values) values[id] = value;
        }
        foreach (var (id, value) in changes) values[id] = value;
        if (_commits.TryGetValue(root, out var existing))
        {
            if (!existing.Values.OrderBy(v => v.Key).SequenceEqual(values))
                throw new InvalidOperationException($"Root {root} was committed again with other counter values.");
            return;
        }
        _commits[root] = new ModelCommit(baseRoot, values);
    }

    /// <summary>Deletes live commits at once (one deletion, or the pruning part of a finalization).</summary>
    /// <exception cref="InvalidOperationException">One of them is not live in the model.</exception>
    public void Delete(IReadOnlyCollection<Hash> doomed)
    {
        foreach (var root in doomed)
            if (!_commits.ContainsKey(root))
                throw new InvalidOperationException($"The child deleted {root}, which the model does not hold as live.");
        foreach (var (root, commit) in _commits.ToArray())
        {
            if (doomed.Contains(root) || commit.Parent is not { } parent || !doomed.Contains(parent)) continue;
            Hash? survivor = parent;
            while (survivor is { } s && doomed.Contains(s)) survivor = _commits[s].Parent;
            _commits[root] = commit with { Parent = survivor };
        }
        foreach (var root in doomed) _commits.Remove(root);
        if (Finalized is { } f && doomed.Contains(f)) Finalized = null;
    }

    /// <summary>Marks <paramref name="root"/> finalized, pruning what it does not lead to under <see cref="HistoryMode.Prune"/>.</summary>
    /// <exception cref="InvalidOperationException">The root is not live in the model.</exception>
    public void Finalize(Hash root, HistoryMode history)
    {
        if (!_commits.ContainsKey(root))
            throw new InvalidOperationException($"The child finalized {root}, which the model does not hold as live.");
        if (history == HistoryMode.Prune)
            Delete(_commits.Keys.Where(c => !IsDescendantOrSelf(c, root)).ToArray());
        Finalized = root;
    }

    private bool IsDescendantOrSelf(Hash root, Hash ancestor)
    {
        for (Hash? current = root; current is { } c; current = _commits.TryGetValue(c, out var commit) ? commit.Parent : null)
            if (c == ancestor) return true;
        return false;
    }

    /// <summary>
    /// How <paramref name="log"/> and <paramref name="finalized"/> (a reopened store's) differ from the
    /// model's commits, parents and finalized mark; empty when they agree.
    /// </summary>
    public List<string> Differences(IReadOnlyList<CommitInfo> log, Hash? finalized)
    {
        var differences = new List<string>();
        var actual = log.ToDictionary(c => c.Root, c => c.Parent);
        foreach (var (root, commit) in _commits)
        {
            if (!actual.TryGetValue(root, out var parent)) differences.Add($"commit {root} is missing");
            else if (parent != commit.Parent) differences.Add($"commit {root} has parent {Show(parent)}, expected {Show(commit.Parent)}");
        }
        foreach (var root in actual.Keys)
            if (!_commits.ContainsKey(root)) differences.Add($"commit {root} should not be live");
        if (finalized != Finalized) differences.Add($"the finalized mark is {Show(finalized)}, expected {Show(Finalized)}");
        return differences;
    }

    private static string Show(Hash? root) => root?.ToString() ?? "none";
}
