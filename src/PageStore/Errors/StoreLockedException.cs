namespace Piecrust;

/// <summary>The store directory is held by another open store (in this or another process).</summary>
public sealed class StoreLockedException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public StoreLockedException(string message, Exception inner) : base(message, inner) { }
}
