namespace Piecrust;

/// <summary>A deploy chose an id that a contract in the session's state already has.</summary>
public sealed class ContractAlreadyExistsException : PiecrustException
{
    /// <summary>Creates the exception for <paramref name="contract"/>.</summary>
    public ContractAlreadyExistsException(ContractId contract)
        : base($"A contract {contract} already exists; deploy with another id (ContractData.Id) or other bytecode.") => Contract = contract;

    /// <summary>The id already taken.</summary>
    public ContractId Contract { get; }
}
