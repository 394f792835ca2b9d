namespace Piecrust.Merkle;

/// <summary>
/// A state snapshot is truncated, tampered with, incomplete or not a snapshot at all. Raised before
/// anything is written: an import that fails leaves the target store as it was.
/// </summary>
public sealed class InvalidSnapshotException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public InvalidSnapshotException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public InvalidSnapshotException(string message, Exception inner) : base(message, inner) { }
}
