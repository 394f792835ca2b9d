namespace Piecrust;

/// <summary>
/// The store holds data that fails verification (a value whose hash does not match its key,
/// a missing object that a live commit references, a RocksDB block that fails its checksum,
/// reference counts that contradict each other) or is not a store at all. The message names the
/// column and key or file concerned. Nothing wrong is ever returned instead, and nothing is
/// reclaimed on counts that cannot be trusted: <c>piecrust fsck</c> lists the damage.
/// </summary>
public sealed class CorruptStoreException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public CorruptStoreException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public CorruptStoreException(string message, Exception inner) : base(message, inner) { }
}
