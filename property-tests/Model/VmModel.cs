using System.Collections.Immutable;

namespace Piecrust.PropertyTests.Model;

/// <summary>
/// A commit record as the store keeps it: the state (its key stands for its root), creation order,
/// parent, and whether it was deleted while a session still leased it. <see cref="Batch"/> groups the
/// commits made by one operation: within a parallel batch the creation order is the threads' race.
/// </summary>
internal sealed record CommitRecord(string Key, long Seq, long Batch, string? Parent, bool Pending);

/// <summary>An open session: the commit it leases (null: built on the empty state) and its current state.</summary>
internal sealed record SessionModel(int Id, string? Base, World World);

/// <summary>
/// The pure model of a VM: its commits (state → record, the same bookkeeping the store does: dedup
/// by root, leases that defer deletion, re-parenting on delete, pruning on finalize), its open
/// sessions, and the labels operations use to name commits. Immutable: every operation returns a new
/// model. <see cref="Expect"/> carries what the last operation must observe.
/// </summary>
internal sealed record VmModel
{
    public HistoryMode Mode { get; init; }

    /// <summary>The slots this sequence deploys to.</summary>
    public ImmutableArray<string> Slots { get; init; } = [];

    /// <summary>Every state ever committed, by key.</summary>
    public ImmutableDictionary<string, World> States { get; init; } = ImmutableDictionary<string, World>.Empty;

    /// <summary>The store's commit records, live and pending.</summary>
    public ImmutableDictionary<string, CommitRecord> Records { get; init; } = ImmutableDictionary<string, CommitRecord>.Empty;

    /// <summary>Commit label (named by the operation that made it) → state key.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableSortedDictionary<int, SessionModel> Sessions { get; init; } = ImmutableSortedDictionary<int, SessionModel>.Empty;

    public string? Finalized { get; init; }

    public long NextSeq { get; init; }

    /// <summary>Generation counters: labels and session ids stay unique when shrinking drops operations.</summary>
    public int NextLabel { get; init; }
    public int NextSession { get; init; }

    public object? Expect { get; init; }

    public bool IsLive(string key) => Records.TryGetValue(key, out var r) && !r.Pending;

    /// <summary>Live commits in creation order.</summary>
    public IEnumerable<CommitRecord> Live => Records.Values.Where(r => !r.Pending).OrderBy(r => r.Seq);

    public IEnumerable<string> LiveLabels => Labels.Where(l => IsLive(l.Value)).Select(l => l.Key).Order(StringComparer.Ordinal);

    private int Leases(string key) => Sessions.Values.Count(s => s.Base == key);

    /// <summary>WriteCommit: a live root changes nothing, a pending one becomes live again (keeping its record), else a new record.</summary>
    public VmModel WriteCommit(World world, string? parent, long batch)
    {
        var key = world.Key;
        var model = this with { States = States.SetItem(key, world) };
        if (Records.TryGetValue(key, out var existing))
            return existing.Pending ? model with { Records = Records.SetItem(key, existing with { Pending = false }) } : model;
        return model with
        {
            Records = Records.SetItem(key, new CommitRecord(key, NextSeq, batch, parent, Pending: false)),
            NextSeq = NextSeq + 1,
        };
    }

    /// <summary>A lease on <paramref name="key"/> ended (already removed from <see cref="Sessions"/>): the last one reclaims a pending commit.</summary>
    public VmModel Released(string? key)
    {
        if (key is null || Leases(key) > 0 || !Records.TryGetValue(key, out var r) || !r.Pending) return this;
        return this with { Records = Records.Remove(key) };
    }

    /// <summary>Deletes live commits atomically: leased ones become pending, children are re-parented to the nearest survivor.</summary>
    public VmModel Delete(IReadOnlySet<string> doomed)
    {
        if (doomed.Count == 0) return this;
        var records = Records;
        var finalized = Finalized;
        foreach (var key in doomed)
        {
            records = Leases(key) > 0 ? records.SetItem(key, Records[key] with { Pending = true }) : records.Remove(key);
            if (finalized == key) finalized = null;
        }
        foreach (var (key, record) in Records)
        {
            if (doomed.Contains(key) || record.Parent is not { } parent || !doomed.Contains(parent)) continue;
            records = records.SetItem(key, record with { Parent = NearestSurvivor(parent, doomed) });
        }
        return this with { Records = records, Finalized = finalized };
    }

    private string? NearestSurvivor(string start, IReadOnlySet<string> doomed)
    {
        string? current = start;
        var seen = new HashSet<string>();
        while (current is { } c && (doomed.Contains(c) || (Records.TryGetValue(c, out var r) && r.Pending)) && seen.Add(c))
            current = Records.TryGetValue(c, out var record) ? record.Parent : null;
        return current;
    }

    public bool IsDescendantOrSelf(string root, string ancestor)
    {
        var seen = new HashSet<string>();
        for (string? current = root; current is { } c && seen.Add(c); current = Records.TryGetValue(c, out var r) ? r.Parent : null)
            if (c == ancestor) return true;
        return false;
    }

    /// <summary>FinalizeCommit: under prune, every live commit that is not it or a descendant goes in the same write.</summary>
    public VmModel Finalize(string key)
    {
        var doomed = Mode == HistoryMode.Prune
            ? Records.Values.Where(r => !r.Pending && !IsDescendantOrSelf(r.Key, key)).Select(r => r.Key).ToHashSet()
            : [];
        return Delete(doomed) with { Finalized = key };
    }

    /// <summary>Drops a session: its lease ends.</summary>
    public VmModel Drop(int session)
    {
        var s = Sessions[session];
        return (this with { Sessions = Sessions.Remove(session) }).Released(s.Base);
    }

    /// <summary>The labels naming a state's commit (c3=c7), for messages; "none" for no commit.</summary>
    public string NameOf(string? key)
    {
        if (key is null) return "none";
        var names = Labels.Where(l => l.Value == key).Select(l => l.Key).Order(StringComparer.Ordinal).ToArray();
        return names.Length > 0 ? string.Join("=", names) : "?";
    }

    /// <summary>A short description for counterexamples: commits in creation order with parents, finalized, sessions.</summary>
    public override string ToString()
    {
        var commits = Records.Values.OrderBy(r => r.Seq).Select(r => NameOf(r.Key) + (r.Pending ? "(pending)" : "") + "<" + NameOf(r.Parent));
        var sessions = Sessions.Values.Select(s => $"s{s.Id}@{NameOf(s.Base)}{s.World}");
        return $"[{Mode}; commits {string.Join(" ", commits)}; finalized {NameOf(Finalized)}; sessions {string.Join(" ", sessions)}]";
    }
}
