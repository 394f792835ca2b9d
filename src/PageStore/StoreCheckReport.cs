namespace Piecrust.Storage;

/// <summary>
/// The outcome of <see cref="PageStore.Check"/>: what was examined and every problem found.
/// A store is consistent exactly when <see cref="Problems"/> is empty.
/// </summary>
public sealed class StoreCheckReport
{
    internal StoreCheckReport(IReadOnlyList<StoreProblem> problems, long commits, long pendingDeletes, long pages, long nodes,
        long bytecodes, long referenceCounts, long modules, long orphanModules, long contracts)
    {
        ContractsChecked = contracts;
        Problems = problems;
        Commits = commits;
        PendingDeletes = pendingDeletes;
        PagesChecked = pages;
        NodesChecked = nodes;
        BytecodesChecked = bytecodes;
        ReferenceCountsChecked = referenceCounts;
        ModulesChecked = modules;
        OrphanModules = orphanModules;
    }

    /// <summary>The report on a store RocksDB cannot open: that one problem, nothing checked.</summary>
    internal static StoreCheckReport Unopenable(StoreProblem problem) => new([problem], 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Every problem found, in the order found. Empty for a consistent store.</summary>
    public IReadOnlyList<StoreProblem> Problems { get; }

    /// <summary>True when no problem was found.</summary>
    public bool IsClean => Problems.Count == 0;

    /// <summary>Commit records examined (live and pending deletion).</summary>
    public long Commits { get; }

    /// <summary>Commit records deleted while leased whose objects are not yet reclaimed (they count as roots).</summary>
    public long PendingDeletes { get; }

    /// <summary>Reachable, stored pages whose bytes were verified against their key.</summary>
    public long PagesChecked { get; }

    /// <summary>Reachable, stored tree nodes whose bytes were verified against their key.</summary>
    public long NodesChecked { get; }

    /// <summary>Reachable, stored bytecodes whose bytes were verified against their key.</summary>
    public long BytecodesChecked { get; }

    /// <summary>Contracts (leaves of the states' contract trees) whose meaning was checked; 0 when the check had no <see cref="IStateCheck"/>.</summary>
    public long ContractsChecked { get; }

    /// <summary>Reference-count entries compared with the recomputed counts.</summary>
    public long ReferenceCountsChecked { get; }

    /// <summary>Cached compiled modules whose checksum was verified.</summary>
    public long ModulesChecked { get; }

    /// <summary>
    /// Cached compiled modules whose bytecode is no longer stored. Harmless (never loaded) and not a
    /// problem; <c>VM.CollectGarbage</c> removes them.
    /// </summary>
    public long OrphanModules { get; }
}
