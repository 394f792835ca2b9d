namespace Piecrust;

/// <summary>The contract exports no callable function with the given name.</summary>
public sealed class FunctionNotFoundException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public FunctionNotFoundException(ContractId contract, string function)
        : base($"Contract {contract} has no exported function '{function}'.")
    {
        Contract = contract;
        Function = function;
    }

    /// <summary>The contract called.</summary>
    public ContractId Contract { get; }

    /// <summary>The function name asked for.</summary>
    public string Function { get; }
}
