namespace Piecrust.Execution;

/// <summary>How a failed inter-contract call is undone (an internal switch: every mode gives the same results, gas, events and roots).</summary>
internal enum SubCallUndo
{
    /// <summary>
    /// A top-level call runs without marks; at its first failed sub-call it is re-run once with marks
    /// (see <see cref="InPlace"/>), so every later failure in it is undone in place. Calls without
    /// failed sub-calls pay nothing; a call with n of them costs at most two runs plus n undos. A
    /// function whose last call in the session undid a failed sub-call marks from the start (one run).
    /// </summary>
    OnDemand,

    /// <summary>Every sub-call marks what it may change first (see <see cref="ContractMark"/>); a failed one is undone in place.</summary>
    InPlace,

    /// <summary>
    /// A failed sub-call re-runs the whole top-level call with that sub-call short-circuited to its
    /// recorded outcome (the fallback where a page-table scan is not cheap: kernels before 6.7).
    /// </summary>
    Reexecute,
}
