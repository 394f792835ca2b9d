namespace Piecrust;

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
