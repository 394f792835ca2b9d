namespace Piecrust;

/// <summary>
/// Contract code trapped for another reason: an instruction trapped (unreachable, out-of-bounds
/// access, stack overflow…), a host import was given a bad pointer or length, an unknown host query
/// was asked for, or the function returned an invalid result length.
/// </summary>
public sealed class ContractTrapException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public ContractTrapException(string message) : base(message) { }
}
