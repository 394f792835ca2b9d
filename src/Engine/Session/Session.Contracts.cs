namespace Piecrust;

// What the session's state says of a contract, without running it.
public sealed partial class Session
{
    /// <summary>
    /// The id and owner of <paramref name="contract"/> in the session's current state (uncommitted
    /// deploys included); null when there is no such contract. As piecrust's <c>contract_metadata</c>.
    /// </summary>
    public ContractMetadata? ContractMetadata(ContractId contract)
    {
        using var entry = EnterLive(nameof(ContractMetadata));
        return _state.OwnerOf(contract) is { } owner ? new ContractMetadata(contract, owner.ToArray()) : null;
    }
}
