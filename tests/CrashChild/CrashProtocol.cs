namespace Piecrust.Crash;

/// <summary>
/// The line protocol between the crash child (which runs a workload on a store) and the test that
/// kills it. Compiled into both. The child writes one line to stdout, flushed, before it starts each
/// state-changing operation (<c>begin …</c>) and one after the operation has returned
/// (<c>committed</c>, <c>deleted</c>, …): a completion line is the store's acknowledgement, so what
/// the test has read is exactly what the store promised. Roots and contract ids are 64 hex digits.
/// </summary>
/// <remarks>
/// Lines, in the order the child writes them:
/// <list type="bullet">
/// <item><c>open</c>: the VM is open (pending deletions left by an earlier kill are reclaimed).</item>
/// <item><c>begin commit ROOT BASE ID=VALUE…</c>: the session built on BASE (<c>-</c> for the empty
/// state) is about to commit ROOT (its <c>Session.Root</c>); the listed counters were deployed or set
/// in it and hold these values, every other counter keeps its value in BASE. Then <c>committed ROOT</c>.</item>
/// <item><c>begin delete ROOT</c>, then <c>deleted ROOT</c>.</item>
/// <item><c>begin finalize ROOT</c>, then <c>finalized ROOT</c> (pruning or not, by the child's history mode).</item>
/// <item><c>begin collect -</c>, then <c>collected -</c>: a garbage collection (reclamation of
/// deletions whose lease has ended, removal of orphan compiled modules, compaction of every column
/// family). It changes no live commit.</item>
/// <item><c>leased ROOT</c>: a session on ROOT is open (and holds a lease); a deletion of ROOT is then
/// deferred; <c>begin release ROOT</c> and <c>released ROOT</c> bracket that session's end, which
/// reclaims the deferred deletion. Neither changes the live commits.</item>
/// <item><c>done</c>: the workload ended without a kill (exit code 0).</item>
/// </list>
/// </remarks>
internal static class CrashProtocol
{
    /// <summary>The VM is open.</summary>
    public const string Open = "open";
    /// <summary>An operation starts; the next word names it.</summary>
    public const string Begin = "begin";
    /// <summary>Operation name after <see cref="Begin"/>; the completion verb is <see cref="Committed"/>.</summary>
    public const string Commit = "commit";
    /// <summary>Operation name after <see cref="Begin"/>; the completion verb is <see cref="Deleted"/>.</summary>
    public const string Delete = "delete";
    /// <summary>Operation name after <see cref="Begin"/>; the completion verb is <see cref="Finalized"/>.</summary>
    public const string Finalize = "finalize";
    /// <summary>Operation name after <see cref="Begin"/>; the completion verb is <see cref="Released"/>.</summary>
    public const string Release = "release";
    /// <summary>Operation name after <see cref="Begin"/>; the completion verb is <see cref="Collected"/>.</summary>
    public const string Collect = "collect";
    /// <summary>A commit was written and returned.</summary>
    public const string Committed = "committed";
    /// <summary>A deletion returned.</summary>
    public const string Deleted = "deleted";
    /// <summary>A finalization returned.</summary>
    public const string Finalized = "finalized";
    /// <summary>A garbage collection returned.</summary>
    public const string Collected = "collected";
    /// <summary>A session holding a lease on a commit is open.</summary>
    public const string Leased = "leased";
    /// <summary>The leasing session ended.</summary>
    public const string Released = "released";
    /// <summary>The workload ended without a kill.</summary>
    public const string Done = "done";
    /// <summary>Written in place of a base root for a session on the empty state.</summary>
    public const string NoBase = "-";

    /// <summary>Exit code of a process killed by SIGKILL (128 + 9), as <c>Process.ExitCode</c> reports it.</summary>
    public const int KilledExitCode = 137;
    /// <summary>Exit code of a child whose workload threw (the exception goes to stderr).</summary>
    public const int FailedExitCode = 2;
    /// <summary>Exit code of a child given arguments it does not understand.</summary>
    public const int UsageExitCode = 64;

    /// <summary>Function of the counter contract (tests/contracts/counter.c) that reads its value.</summary>
    public const string ReadValue = "read_value";
    /// <summary>Value of a freshly deployed counter.</summary>
    public const ulong InitialValue = 0xfc;
    /// <summary>Gas limit of every call and deploy.</summary>
    public const ulong Gas = 10_000_000;
}
