namespace Piecrust;

/// <summary>The outcome of a successful deploy (<see cref="Session.DeployWithReceipt"/>).</summary>
/// <param name="Id">The new contract's id.</param>
/// <param name="Init">The receipt of the contract's <c>init</c> (gas, events, call tree, result); null only for a contract that exports no <c>init</c>.</param>
public sealed record DeployReceipt(ContractId Id, CallReceipt? Init);
