namespace Piecrust.Tools.Serve;

/// <summary>Request limits of <c>piecrust serve</c>.</summary>
public sealed record ServeLimits
{
    /// <summary>The most objects one batched request may ask for.</summary>
    public int MaxBatch { get; init; } = 1024;

    /// <summary>The most connections served at once.</summary>
    public long MaxConnections { get; init; } = 64;

    /// <summary>The longest request line and headers, in bytes (Kestrel's limits).</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>The most hashes one <c>GET /objects?h=…</c> may carry (each costs 67 bytes of the request line).</summary>
    public int MaxQueryHashes => Math.Min(MaxBatch, MaxRequestLineBytes / 67);
}
