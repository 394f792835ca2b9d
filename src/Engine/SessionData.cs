namespace Piecrust;

/// <summary>How a session starts: on which commit, with which metadata, and how it treats host queries.</summary>
/// <example><code>new SessionData { Base = root, Metadata = { ["chain_id"] = new byte[] { 1 } }, ExcludedHostQueries = { "verify_proof" } }</code></example>
public sealed class SessionData
{
    /// <summary>The commit the session starts from; null for the empty state.</summary>
    public Hash? Base { get; init; }

    /// <summary>Named values contracts read with the <c>hd</c> import (e.g. block height). Copied when the session starts.</summary>
    public IDictionary<string, byte[]> Metadata { get; } = new Dictionary<string, byte[]>();

    /// <summary>
    /// Names of the VM's host queries this session does not offer: in this session, and only in it,
    /// an <c>hq</c> of an excluded name fails as one of an unknown name does (a trap). Copied when
    /// the session starts. As piecrust's <c>SessionDataBuilder::exclude_hq</c>.
    /// </summary>
    public ISet<string> ExcludedHostQueries
    {
        get;
        set => field = value ?? throw new ArgumentNullException(nameof(value));
    } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// True (the default, as in piecrust): an exception an <see cref="IHostQuery"/> throws from
    /// <see cref="IHostQuery.Price"/> or <see cref="IHostQuery.Execute"/> fails the contract's frame as
    /// a panic with the message "host query panicked" (a top-level call throws
    /// <see cref="ContractPanicException"/>; a caller contract gets the Panic code), deterministic
    /// whatever the exception (but a <see cref="SessionBusyException"/>, from a query that used the
    /// session running it, always ends the call). False: the exception ends the whole call, which is reverted, and
    /// reaches the caller of <see cref="Session.Call(ContractId, string, ReadOnlySpan{byte}, ulong)"/> unchanged (as piecrust's
    /// <c>contain_hq_panics(false)</c> lets the panic unwind).
    /// </summary>
    public bool ContainHostQueryPanics { get; set; } = true;
}
