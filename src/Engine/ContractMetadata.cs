namespace Piecrust;

/// <summary>What a session knows of a contract besides its code and memory (piecrust's <c>ContractMetadata</c>).</summary>
/// <param name="Id">The contract's id.</param>
/// <param name="Owner">Its owner bytes, as the <c>owner</c> import returns them (a copy).</param>
public sealed record ContractMetadata(ContractId Id, byte[] Owner);
