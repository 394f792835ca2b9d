namespace Piecrust;

/// <summary>An argument to the engine's API is out of range (e.g. a call argument over 64 KiB, calling <c>init</c>).</summary>
public sealed class InvalidArgumentException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public InvalidArgumentException(string message) : base(message) { }
}
