namespace Piecrust.Merkle;

/// <summary>
/// A sync source could not serve what was asked: it is unreachable, answered with an error, lacks the
/// commit or an object, or sent a malformed response. Nothing of the commit being synced becomes
/// visible; objects already received and stored are reused by the next attempt.
/// </summary>
public sealed class SyncSourceException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public SyncSourceException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public SyncSourceException(string message, Exception inner) : base(message, inner) { }
}
