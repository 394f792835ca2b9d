namespace Piecrust;

/// <summary>Base of every error the Piecrust store, index and engine raise on purpose.</summary>
public class PiecrustException : Exception
{
    /// <summary>Creates the exception with a message a user can act on.</summary>
    public PiecrustException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public PiecrustException(string message, Exception inner) : base(message, inner) { }
}
