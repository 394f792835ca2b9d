using Piecrust.Merkle;
using Piecrust.Runtime;
using Piecrust.Storage;

namespace Piecrust;

// Store maintenance and inspection for tools (the piecrust CLI) and crash tests.
public sealed partial class VM
{
    /// <summary>True when <paramref name="directory"/> holds a store, without opening or creating one.</summary>
    public static bool StoreExists(string directory) => PageStore.Exists(directory);

    /// <summary>
    /// Checks the whole store and reports every problem found (see <see cref="PageStore.Check"/>):
    /// its structure, and what every commit's state means by the rules a snapshot import applies
    /// (<see cref="StateChecker"/>: nodes in their places, contract memory lengths, every bytecode
    /// through the deploy-time module validation). Never throws for damage it finds.
    /// </summary>
    public StoreCheckReport Fsck(IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Store.Check(progress, new StateChecker(new BytecodeRules(Engine, Options)));
    }

    /// <summary>
    /// Checks the store in <paramref name="directory"/> as <see cref="Fsck"/> does, without opening a
    /// VM on it (nothing is loaded, reclaimed or written first), so that a store <see cref="Open"/>
    /// refuses can still be examined.
    /// </summary>
    /// <param name="directory">The store's directory.</param>
    /// <param name="progress">Receives progress reports.</param>
    /// <param name="options">The module limits stored bytecode is judged by (those the store's VMs use; default <see cref="VMOptions"/>).</param>
    /// <exception cref="StoreNotFoundException">There is no store in the directory.</exception>
    /// <exception cref="StoreLockedException">Another VM holds the directory.</exception>
    public static StoreCheckReport FsckDirectory(string directory, IProgress<MaintenanceProgress>? progress = null, VMOptions? options = null)
    {
        using var engine = new Wasmtime.Engine(WasmConfig.Create());
        return PageStore.CheckDirectory(directory, NodeLayout.Instance, progress, new StateChecker(new BytecodeRules(engine, options ?? new VMOptions())));
    }

    /// <summary>
    /// Counts what the store holds and measures every live commit (see <see cref="VMStatistics"/> for
    /// the definitions). Costs one pass over the store's keys plus a walk of the distinct tree nodes of
    /// the live commits; no page is read.
    /// </summary>
    /// <exception cref="CorruptStoreException">A node of a live commit is missing or corrupt, or a column cannot be read to its end.</exception>
    /// <exception cref="StoreIOException">A column cannot be read (an I/O error).</exception>
    public VMStatistics Statistics()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var store = Store.GetStatistics();
        var measurer = new StateMeasurer(Store);
        var commits = Store.Commits;
        long measured = 0, contractStates = 0, latestContracts = 0;
        ulong memoryBytes = 0, logicalPages = 0;
        Hash? latest = null;
        foreach (var commit in commits)
        {
            IDisposable lease;
            try { lease = Store.Lease(commit.Root); }
            catch (CommitNotFoundException) { continue; } // deleted meanwhile
            using (lease)
            {
                var totals = measurer.Measure(commit.Root);
                measured++;
                contractStates += totals.Contracts;
                memoryBytes += totals.MemoryBytes;
                logicalPages += totals.NonZeroPages;
                latest = commit.Root;
                latestContracts = totals.Contracts;
            }
        }
        return new VMStatistics(store, measured, latest, latestContracts, contractStates, measurer.DistinctContracts,
            memoryBytes, logicalPages * PageStore.PageSize);
    }

    /// <summary>
    /// Reclaims deleted commits whose deferred reclamation no lease holds up any more, removes cached
    /// compiled modules whose bytecode is gone, and compacts every RocksDB column family
    /// (see <see cref="PageStore.CollectGarbage"/>).
    /// </summary>
    /// <exception cref="CorruptStoreException">What it would reclaim relies on damaged or inconsistent data: nothing is reclaimed (run fsck).</exception>
    /// <exception cref="StoreIOException">Writing or compacting failed (a full disk, an I/O error).</exception>
    public GarbageReport CollectGarbage(IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Store.CollectGarbage(progress);
    }

    /// <summary>Writes a self-contained snapshot of the live commit <paramref name="root"/> (format: <see cref="StateSnapshot"/>).</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">An object of the state is missing or corrupt (the output is partial: discard it).</exception>
    public SnapshotInfo Export(Hash root, Stream output, IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StateSnapshot.Export(Store, root, output, progress);
    }

    /// <summary>
    /// Reads a snapshot written by <see cref="Export"/> (from this or any other store) and makes its
    /// state a live commit of this store, with no parent; <see cref="SnapshotInfo.Root"/> is its root.
    /// Everything is verified before anything is written (see <see cref="StateSnapshot.Import"/>),
    /// what the state means included: every bytecode must pass the validation a deploy runs, and
    /// every contract's memory must be one its width and its bytecode allow.
    /// </summary>
    /// <exception cref="InvalidSnapshotException">The snapshot is truncated, tampered with, incomplete or breaks a rule of what a state may hold (the message names the object and the rule); the store is unchanged.</exception>
    public SnapshotInfo Import(Stream input, IProgress<MaintenanceProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StateSnapshot.Import(Store, input, new BytecodeRules(Engine, Options), progress);
    }

    /// <summary>
    /// The contracts of the live commit <paramref name="root"/>, in ascending id order, with what
    /// <see cref="Contracts"/> does not say: how many pages of each memory are stored (non-zero).
    /// Walks every contract's page tree (no page is read).
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public IReadOnlyList<ContractSummary> DescribeContracts(Hash root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var lease = Store.Lease(root);
        return Index.Contracts(root)
            .Select(leaf => new ContractSummary(leaf.Id, leaf.Bytecode, leaf.Owner.ToArray(), leaf.MemoryLength, leaf.Is64,
                (ulong)Index.Pages(leaf.PageTreeRoot, leaf.Height).LongCount(), leaf.MemoryRoot))
            .ToArray();
    }
}
