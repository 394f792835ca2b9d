namespace Piecrust.Tools;

/// <summary>Input to the CLI that cannot be used (malformed hex, missing file, no store): the message says what to fix.</summary>
public sealed class UsageException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public UsageException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public UsageException(string message, Exception inner) : base(message, inner) { }
}
