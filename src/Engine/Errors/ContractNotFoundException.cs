namespace Piecrust;

/// <summary>No contract with the given id exists in the session's state.</summary>
public sealed class ContractNotFoundException : PiecrustException
{
    /// <summary>Creates the exception for <paramref name="contract"/>.</summary>
    public ContractNotFoundException(ContractId contract)
        : base($"No contract {contract} exists in this session's state.") => Contract = contract;

    /// <summary>The id that was asked for.</summary>
    public ContractId Contract { get; }
}
