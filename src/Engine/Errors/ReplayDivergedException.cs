namespace Piecrust;

/// <summary>
/// Undoing a failed call needed the session's earlier successful calls replayed, and a replay failed
/// or gave another result than the first run: something a call depends on is not deterministic (a
/// host query, most likely). The session can run no more calls (each is refused with this exception)
/// and should be disposed; commits it made earlier stand.
/// </summary>
public sealed class ReplayDivergedException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public ReplayDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the replay's failure.</summary>
    public ReplayDivergedException(string message, Exception inner) : base(message, inner) { }
}
