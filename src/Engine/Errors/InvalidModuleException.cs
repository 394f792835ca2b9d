namespace Piecrust;

/// <summary>Bytecode offered to deploy is not a valid contract: the message names the rule it breaks.</summary>
public sealed class InvalidModuleException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public InvalidModuleException(string message) : base(message) { }

    /// <summary>Creates the exception for a module over one of the VM's configured limits.</summary>
    /// <param name="message">What is over the limit.</param>
    /// <param name="limitOption">The <see cref="VMOptions"/> property whose limit the module exceeds.</param>
    public InvalidModuleException(string message, string limitOption) : base(message) => LimitOption = limitOption;

    /// <summary>
    /// The <see cref="VMOptions"/> property (e.g. <c>MaxFunctions</c>) whose limit the module exceeds, or null when
    /// it breaks a rule of the ABI itself. A limit depends on the VM's configuration: stored bytecode over it is
    /// refused this way when loaded, not reported as corruption.
    /// </summary>
    public string? LimitOption { get; }
}
