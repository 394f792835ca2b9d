namespace Piecrust.Storage;

/// <summary>
/// An import could not write what it received because an object it relied on as already stored was
/// deleted meanwhile (a commit deleted during the import). Nothing of the failed batch is written;
/// running the import again fetches what is now missing.
/// </summary>
public sealed class ImportConflictException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public ImportConflictException(string message) : base(message) { }
}
