namespace Piecrust;

// A session used only to make instances ahead of time (VM.WarmUp): it loads, never calls.
public sealed partial class Session
{
    /// <summary>
    /// Loads every contract of <paramref name="contracts"/> (all must exist in the base before any
    /// instance is made), then makes live instances of them in order, as a first call would, until
    /// the runtime's keep bound; they go back to the VM's pool when the session is disposed.
    /// </summary>
    /// <returns>How many contracts, counted from the first, have an instance ready.</returns>
    /// <exception cref="ContractNotFoundException">A contract is not in the base state (unless <paramref name="skipMissing"/>, which also skips a contract whose module this VM's limits refuse or whose stored state is damaged).</exception>
    internal int WarmUp(IReadOnlyList<ContractId> contracts, bool skipMissing = false)
    {
        using var entry = EnterLive(nameof(VM.WarmUp));
        var states = contracts.Select(id => skipMissing ? TryLoadForWarmUp(id) : _state.TryLoad(id) ?? throw new ContractNotFoundException(id))
            .OfType<Execution.ContractState>().ToArray();
        return _runner.WarmUp(states);
    }

    // A contract this VM's module limits refuse, or whose stored state is damaged, is left for its first call to report.
    private Execution.ContractState? TryLoadForWarmUp(ContractId id)
    {
        try
        {
            return _state.TryLoad(id);
        }
        catch (Exception e) when (e is InvalidModuleException or CorruptStoreException)
        {
            return null;
        }
    }
}
