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
/// a missing object that a live commit references, an unreadable database) or is not a store at all.
/// The message names the key or file concerned. Nothing wrong is ever returned instead.
/// </summary>
public sealed class CorruptStoreException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public CorruptStoreException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public CorruptStoreException(string message, Exception inner) : base(message, inner) { }
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
