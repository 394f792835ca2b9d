namespace Piecrust;

/// <summary>How a session starts: on which commit, and with which metadata.</summary>
/// <example><code>new SessionData { Base = root, Metadata = { ["chain_id"] = new byte[] { 1 } } }</code></example>
public sealed class SessionData
{
    /// <summary>The commit the session starts from; null for the empty state.</summary>
    public Hash? Base { get; init; }

    /// <summary>Named values contracts read with the <c>hd</c> import (e.g. block height). Copied when the session starts.</summary>
    public IDictionary<string, byte[]> Metadata { get; } = new Dictionary<string, byte[]>();
}
