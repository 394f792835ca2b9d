namespace Piecrust;

// Deploying with the receipt of init (piecrust ≥ 0.31 returns it from deploy).
public sealed partial class Session
{
    /// <summary>
    /// <see cref="Deploy"/>, returning the receipt of the contract's <c>init</c> as well: its gas,
    /// events and call tree, as piecrust ≥ 0.31 does. <see cref="DeployReceipt.Init"/> is null only
    /// for a contract that exports no <c>init</c>.
    /// </summary>
    /// <exception cref="InvalidModuleException">As for <see cref="Deploy"/>.</exception>
    /// <exception cref="ContractAlreadyExistsException">A contract with that id exists.</exception>
    /// <exception cref="InvalidArgumentException">The owner is over 65,535 bytes or the init argument over 64 KiB.</exception>
    /// <exception cref="CallFailedException">The contract's <c>init</c> failed; nothing was deployed.</exception>
    /// <exception cref="ReplayDivergedException">An earlier replay of this session diverged: it runs no more calls.</exception>
    public DeployReceipt DeployWithReceipt(ReadOnlySpan<byte> bytecode, ContractData data, ulong gasLimit)
    {
        using var entry = EnterLive(nameof(DeployWithReceipt));
        SessionArguments.CheckDeploy(data);
        return _runner.Deploy(bytecode.ToArray(), data, gasLimit);
    }
}
