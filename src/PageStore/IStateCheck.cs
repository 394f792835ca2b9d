namespace Piecrust.Storage;

/// <summary>
/// The half of <see cref="PageStore.Check"/> the store cannot do alone: whether its states mean
/// something valid (which node may sit where, what a contract may hold), beyond the structure it
/// verifies itself. Supplied by the layers that know the meaning, as <see cref="INodeLayout"/> supplies
/// the node format.
/// </summary>
public interface IStateCheck
{
    /// <summary>
    /// Checks the states whose root nodes are <paramref name="roots"/> and reports every problem to
    /// <paramref name="report"/>. Objects that are missing or do not verify are skipped: the structural
    /// check reports them. Runs inside the check (commits wait); must not write.
    /// </summary>
    /// <returns>How many state elements (e.g. contracts) were checked, for the report.</returns>
    long Check(PageStore store, IReadOnlyList<Hash> roots, Action<StoreProblem> report, IProgress<MaintenanceProgress>? progress);
}
