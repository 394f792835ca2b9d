using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.PropertyTests.Support;

/// <summary>
/// One ephemeral store and index shared by the cases of a test class (an xunit class fixture), since
/// opening a store costs more than most cases. A case calls <see cref="Begin"/> first and
/// <see cref="Finish"/> once it has deleted every commit it made; a case that failed, threw or left a
/// commit behind gets the store replaced before the next case, so shrinking never runs on the
/// leftovers of a failure. Cases run one at a time (xunit runs a class's tests in sequence).
/// </summary>
public sealed class SharedStore : IDisposable
{
    private PageStore _store = MerkleIndex.EphemeralStore();
    private MerkleIndex? _index;
    private bool _dirty;

    /// <summary>Starts a case: the store (with no commits) and an index over it.</summary>
    public (PageStore Store, MerkleIndex Index) Begin()
    {
        if (_dirty || _store.Commits.Count > 0)
        {
            _store.Dispose();
            _store = MerkleIndex.EphemeralStore();
            _index = null;
        }
        _index ??= new MerkleIndex(_store);
        _dirty = true;
        return (_store, _index);
    }

    /// <summary>Ends a case; the store is kept for the next one only if the case passed and left no commit.</summary>
    public void Finish(Checks checks) => _dirty = !checks.Passed || _store.Commits.Count > 0;

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();
}
