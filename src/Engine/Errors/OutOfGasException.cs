namespace Piecrust;

/// <summary>The call ran out of gas: its frame's remaining gas reached zero.</summary>
public sealed class OutOfGasException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public OutOfGasException(string message) : base(message) { }
}
