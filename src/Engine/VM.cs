using System.Collections.Concurrent;
using Piecrust.Execution;
using Piecrust.Memory;
using Piecrust.Merkle;
using Piecrust.Modules;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// The virtual machine: a store of commits, the compiled-module cache, the registered host queries
/// and the factory of sessions. Thread-safe: sessions may be opened, run and committed on any number
/// of threads at once; commit, delete and finalize are serialised inside the store and never wait
/// for contract code.
/// </summary>
public sealed partial class VM : IDisposable
{
    private readonly ConcurrentDictionary<string, IHostQuery> _hostQueries = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>A VM over a store already opened (benchmarks open it with PageStoreOptions the VM does not set).</summary>
    internal VM(PageStore store, VMOptions options)
    {
        Options = options;
        Store = store;
        Index = new MerkleIndex(store);
        try
        {
            Engine = new Wasmtime.Engine(WasmConfig.Create());
            Modules = new ModuleCache(Engine, store, options);
            Runtimes = new RuntimePool(Engine, key => Images!.Contains(key));
            Images = new ImageCache(Path.Combine(store.Directory, "images"), Index, root => store.TryGetCommit(root) is not null,
                options.MaxCachedImages, options.MaxCachedImageBytes, Runtimes.ForgetImages);
        }
        catch
        {
            // A VM that fails to start must not keep its directory locked.
            Engine?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>The options the VM was opened with.</summary>
    public VMOptions Options { get; }

    internal PageStore Store { get; }
    internal MerkleIndex Index { get; }
    internal Wasmtime.Engine Engine { get; }
    internal ModuleCache Modules { get; }
    internal RuntimePool Runtimes { get; }
    internal ImageCache Images { get; }

    // One emptied StagedObjects kept for the next commit: a block's commit stages ~20,000 objects, and
    // growing fresh tables to that size each time allocated megabytes of large objects per commit
    // (collected only by full collections). Not kept past MaxSpareStaged objects. Apart from StagedPool
    // on purpose: in one pool bounded by size, the many small tables a large commit leaves (a state's
    // set-up of 1,000 contracts) crowded this one out, and BlockBench's commits allocated twice the bytes.
    private const int MaxSpareStaged = 1 << 16;
    private StagedObjects? _spareStaged;

    /// <summary>An empty StagedObjects for a commit, the one a previous commit handed back if any (thread-safe).</summary>
    internal StagedObjects RentStaged() => Interlocked.Exchange(ref _spareStaged, null) ?? new StagedObjects();

    /// <summary>Takes back a commit's StagedObjects once nothing reads it (emptied here; thread-safe).</summary>
    internal void ReturnStaged(StagedObjects staged)
    {
        bool keep = staged.Count <= MaxSpareStaged;
        staged.Clear();
        if (keep) Volatile.Write(ref _spareStaged, staged);
    }

    /// <summary>The tables a commit's page-tree build stages each memory into (<see cref="PageTreeUpdates"/>), kept between commits.</summary>
    internal StagedObjectsPool StagedPool { get; } = new();

    private PageBuffer? _sparePages;

    /// <summary>A buffer for a commit's changed pages, the one a previous commit handed back if any (thread-safe).</summary>
    internal PageBuffer RentPages() => Interlocked.Exchange(ref _sparePages, null) ?? new PageBuffer();

    /// <summary>Takes back a commit's page buffer once nothing reads its pages (thread-safe).</summary>
    internal void ReturnPages(PageBuffer pages)
    {
        pages.Reset();
        Volatile.Write(ref _sparePages, pages);
    }

    /// <summary>Opens (or creates) a VM whose state lives in <paramref name="directory"/>.</summary>
    /// <exception cref="StoreLockedException">Another VM holds the directory.</exception>
    /// <exception cref="CorruptStoreException">The directory holds something that is not a readable store.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A module limit of <paramref name="options"/> is not positive, an image budget is negative, or <see cref="VMOptions.WarmUpOnOpen"/> is outside 0 to <see cref="MaxWarmUpContracts"/>.</exception>
    /// <exception cref="StoreIOException">The store's files cannot be read or written (an I/O error, a full disk).</exception>
    public static VM Open(string directory, VMOptions? options = null)
    {
        options ??= new VMOptions();
        ImageCache.CheckBudget(options.MaxCachedImages, options.MaxCachedImageBytes);
        CheckWarmUpOnOpen(options);
        var vm = new VM(MerkleIndex.OpenStore(directory, new PageStoreOptions { Durable = options.Durable }), options);
        try
        {
            vm.WarmUpRemembered();
        }
        catch
        {
            vm.Dispose();
            throw;
        }
        return vm;
    }

    /// <summary>A VM on a store in a temporary directory, removed on <see cref="Dispose"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A module limit of <paramref name="options"/> is not positive, an image budget is negative, or <see cref="VMOptions.WarmUpOnOpen"/> is outside 0 to <see cref="MaxWarmUpContracts"/>.</exception>
    /// <exception cref="StoreIOException">The temporary directory cannot be written.</exception>
    public static VM Ephemeral(VMOptions? options = null)
    {
        options = (options ?? new VMOptions()) with { Durable = false };
        ImageCache.CheckBudget(options.MaxCachedImages, options.MaxCachedImageBytes);
        CheckWarmUpOnOpen(options);
        return new(MerkleIndex.EphemeralStore(), options);
    }

    /// <summary>The directory the VM's store lives in.</summary>
    public string Directory => Store.Directory;

    /// <summary>Starts a session on <see cref="SessionData.Base"/> (or the empty state).</summary>
    /// <exception cref="CommitNotFoundException">The base is not a live commit.</exception>
    public Session Session(SessionData? data = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Session(this, data);
    }

    /// <summary>Roots of the live commits, oldest first. Survives restarts.</summary>
    public IReadOnlyList<Hash> Commits => Store.Commits.Select(c => c.Root).ToArray();

    /// <summary>The live commits with their parents and creation order, oldest first.</summary>
    public IReadOnlyList<CommitInfo> CommitLog => Store.Commits;

    /// <summary>
    /// Deletes a commit. It leaves <see cref="Commits"/> at once; what no other live commit or
    /// running session's base reaches is reclaimed. Deleting never breaks another commit: children,
    /// siblings and sessions built on it keep working (children are re-parented to its parent).
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">The counts or objects the deletion relies on are damaged or inconsistent: nothing is deleted (run fsck).</exception>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error): nothing is deleted.</exception>
    public void DeleteCommit(Hash root)
    {
        Store.DeleteCommit(root);
        Images.ForgetCommits([root]);
    }

    /// <summary>
    /// Marks a commit as the node's finalized state (persistently; see <see cref="FinalizedCommit"/>).
    /// Under <see cref="HistoryMode.Archive"/> nothing else changes. Under <see cref="HistoryMode.Prune"/>
    /// every commit that is neither this one nor a descendant of it is deleted in the same atomic write.
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">Pruning would rely on damaged or inconsistent counts: nothing is written (run fsck).</exception>
    /// <exception cref="StoreIOException">The write failed: nothing is written.</exception>
    public void FinalizeCommit(Hash root)
    {
        var before = Commits;
        Store.Finalize(root, pruneOthers: Options.History == HistoryMode.Prune);
        if (Options.History == HistoryMode.Prune) Images.ForgetCommits(before.Except(Commits));
    }

    /// <summary>The finalized commit, if any.</summary>
    public Hash? FinalizedCommit => Store.Finalized;

    /// <summary>Registers (or replaces) the host query contracts reach by <paramref name="name"/> through <c>hq</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty, or <paramref name="query"/> is null.</exception>
    public void RegisterHostQuery(string name, IHostQuery query)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(query);
        _hostQueries[name] = query;
    }

    /// <summary>What the last commit or deletion wrote to or removed from the store (diagnostics and benchmarks).</summary>
    public WriteStatistics LastWrite => Store.LastWrite;

    /// <summary>Modules this VM compiled from bytecode rather than loading from the store's cache (diagnostics).</summary>
    public long ModulesCompiled => Modules.CompiledCount;

    /// <summary>
    /// Contract instances this VM's sessions created in Wasmtime (diagnostics). A session that ends
    /// leaves its instances, memories cleared, to later sessions, which reuse them instead of
    /// instantiating again.
    /// </summary>
    public long InstancesCreated => Runtimes.InstancesCreated;

    internal IHostQuery? HostQuery(string name) => _hostQueries.GetValueOrDefault(name);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        RememberRecent();
        _disposed = true;
        Runtimes.Dispose();
        Modules.Dispose();
        Images.Dispose();
        Engine.Dispose();
        Store.Dispose();
    }
}
