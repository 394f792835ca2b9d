namespace Piecrust;

/// <summary>Bytecode offered to deploy is not a valid contract: the message names the rule it breaks.</summary>
public sealed class InvalidModuleException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public InvalidModuleException(string message) : base(message) { }
}
