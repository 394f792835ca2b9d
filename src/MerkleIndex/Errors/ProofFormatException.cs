namespace Piecrust.Merkle;

/// <summary>Serialized proof bytes are malformed or of an unknown version.</summary>
public sealed class ProofFormatException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public ProofFormatException(string message) : base(message) { }
}
