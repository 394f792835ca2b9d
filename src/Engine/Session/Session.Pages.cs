using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

// The pages of a contract's memory with their proofs, as piecrust's memory_pages.
public sealed partial class Session
{
    /// <summary>
    /// The non-zero pages of <paramref name="contract"/>'s memory in the session's current state
    /// (uncommitted changes included), in ascending index order, each with its proof against the
    /// session's <see cref="Root"/> at this call. As piecrust's
    /// <c>memory_pages</c>; all-zero pages are left out (they are the tree's empty leaves), and so
    /// are pages at or past the memory's length, which no proof covers (see <see cref="PageProof"/>).
    /// </summary>
    /// <remarks>
    /// The pages are those of this moment: the state is staged here (the session's uncommitted
    /// changes copied once), and later calls do not change what the enumeration yields. It is lazy:
    /// each step walks the page tree to the next non-zero page and builds that page's proof, in time
    /// proportional to the tree's height, holding one page at a time. Each step uses the session, as
    /// any member does: not from another thread at once, and not after <see cref="Dispose"/>
    /// (<see cref="ObjectDisposedException"/>), since the pages read may belong to the session's base commit.
    /// </remarks>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    public IEnumerable<MemoryPage> MemoryPages(ContractId contract)
    {
        StagedObjects staged;
        ContractLeaf leaf;
        Hash root;
        using (EnterLive(nameof(MemoryPages)))
        {
            _runner.Checkpoint();
            staged = _state.StageCurrent(out root).Copy();
            leaf = _vm.Index.GetContract(root, contract, staged) ?? throw new ContractNotFoundException(contract);
        }
        return PagesOf(root, leaf, staged);
    }

    private IEnumerable<MemoryPage> PagesOf(Hash root, ContractLeaf leaf, StagedObjects staged)
    {
        ulong pagesInLength = (leaf.MemoryLength + PageStore.PageSize - 1) / PageStore.PageSize;
        using var pages = _vm.Index.Pages(leaf.PageTreeRoot, leaf.Height, staged).GetEnumerator();
        while (true)
        {
            MemoryPage page;
            using (EnterLive(nameof(MemoryPages)))
            {
                if (!pages.MoveNext() || pages.Current.Index >= pagesInLength) yield break;
                var (index, key) = pages.Current;
                var bytes = new byte[PageStore.PageSize];
                if (staged.TryGet(ObjectRef.Page(key), out var stagedBytes)) stagedBytes.Span.CopyTo(bytes);
                else _vm.Store.ReadPage(key, bytes);
                var proof = _vm.Index.ProvePage(root, leaf.Id, index, staged) ?? throw new InvalidOperationException($"Contract {leaf.Id} vanished from its own staged state.");
                page = new MemoryPage(index, bytes, proof);
            }
            yield return page;
        }
    }
}
