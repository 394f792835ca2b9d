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
    /// <exception cref="ContractNotFoundException">A contract is not in the base state.</exception>
    internal int WarmUp(IReadOnlyList<ContractId> contracts)
    {
        using var entry = EnterLive(nameof(VM.WarmUp));
        var states = contracts.Select(id => _state.TryLoad(id) ?? throw new ContractNotFoundException(id)).ToArray();
        return _runner.WarmUp(states);
    }
}
