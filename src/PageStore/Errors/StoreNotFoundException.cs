namespace Piecrust;

/// <summary>The store directory does not exist and the caller asked not to create it.</summary>
public sealed class StoreNotFoundException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public StoreNotFoundException(string message) : base(message) { }
}
