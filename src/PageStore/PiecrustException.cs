namespace Piecrust;

/// <summary>Base of every error the Piecrust store, index and engine raise on purpose.</summary>
public class PiecrustException : Exception
{
    /// <summary>Creates the exception with a message a user can act on.</summary>
    public PiecrustException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public PiecrustException(string message, Exception inner) : base(message, inner) { }
}

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

/// <summary>
/// Reading or writing the store failed for a reason other than damaged data: the disk is full, a
/// file cannot be read or written, the database stopped accepting writes after an I/O error. A
/// failed write changes nothing (a write batch is applied whole or not at all). Distinct from
/// <see cref="CorruptStoreException"/>: the data may be intact, and the operation may succeed once
/// the cause (space, permissions, the device) is fixed.
/// </summary>
public sealed class StoreIOException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public StoreIOException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public StoreIOException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The store directory is held by another open store (in this or another process).</summary>
public sealed class StoreLockedException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public StoreLockedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The store directory does not exist and the caller asked not to create it.</summary>
public sealed class StoreNotFoundException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public StoreNotFoundException(string message) : base(message) { }
}

/// <summary>No live commit has the given root.</summary>
public sealed class CommitNotFoundException : PiecrustException
{
    /// <summary>Creates the exception for <paramref name="root"/>.</summary>
    public CommitNotFoundException(Hash root) : base($"No commit with root {root} exists in this store (it was never made or has been deleted).")
        => Root = root;

    /// <summary>The root that was asked for.</summary>
    public Hash Root { get; }
}
