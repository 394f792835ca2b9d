using System.Collections.Concurrent;
using Piecrust.Merkle;
using Piecrust.Runtime;
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

    private VM(PageStore store)
    {
        Store = store;
        Index = new MerkleIndex(store);
        Engine = new Wasmtime.Engine(WasmConfig.Create());
        Modules = new ModuleCache(Engine, store);
    }

    internal PageStore Store { get; }
    internal MerkleIndex Index { get; }
    internal Wasmtime.Engine Engine { get; }
    internal ModuleCache Modules { get; }

    /// <summary>Opens (or creates) a VM whose state lives in <paramref name="directory"/>.</summary>
    /// <exception cref="StoreLockedException">Another VM holds the directory.</exception>
    /// <exception cref="CorruptStoreException">The directory holds something that is not a readable store.</exception>
    public static VM Open(string directory, VMOptions? options = null)
    {
        options ??= new VMOptions();
        return new VM(MerkleIndex.OpenStore(directory, new PageStoreOptions { Durable = options.Durable }));
    }

    /// <summary>A VM on a store in a temporary directory, removed on <see cref="Dispose"/>.</summary>
    public static VM Ephemeral(VMOptions? options = null) => new(MerkleIndex.EphemeralStore());

    /// <summary>The directory the VM's store lives in.</summary>
    public string Directory => Store.Directory;

    /// <summary>Starts a session on <see cref="SessionData.Base"/> (or the empty state).</summary>
    /// <exception cref="CommitNotFoundException">The base is not a live commit.</exception>
    public Session Session(SessionData? data = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Session(this, data);
    }

    /// <summary>Roots of the live commits, oldest first.</summary>
    public IReadOnlyList<Hash> Commits => Store.Commits.Select(c => c.Root).ToArray();

    /// <summary>Deletes a commit; what no other live commit or session base reaches is reclaimed.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public void DeleteCommit(Hash root) => Store.DeleteCommit(root);

    /// <summary>Marks a commit as the node's finalized state.</summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    public void FinalizeCommit(Hash root) => Store.SetFinalized(root);

    /// <summary>The finalized commit, if any.</summary>
    public Hash? FinalizedCommit => Store.Finalized;

    /// <summary>Registers (or replaces) the host query contracts reach by <paramref name="name"/> through <c>hq</c>.</summary>
    public void RegisterHostQuery(string name, IHostQuery query)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(query);
        _hostQueries[name] = query;
    }

    /// <summary>Modules this VM compiled from bytecode rather than loading from the store's cache (diagnostics).</summary>
    public long ModulesCompiled => Modules.CompiledCount;

    internal IHostQuery? HostQuery(string name) => _hostQueries.GetValueOrDefault(name);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Modules.Dispose();
        Engine.Dispose();
        Store.Dispose();
    }
}
