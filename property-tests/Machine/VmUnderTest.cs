using System.Collections.Concurrent;
using Piecrust.PropertyTests.Model;

namespace Piecrust.PropertyTests.Machine;

/// <summary>
/// The real VM a sequence runs against, with its open sessions and what the checks learnt so far:
/// the root each model state got (states and roots must correspond one to one) and the page digests
/// of every committed state verified once (later re-reads must give the same bytes).
/// Used by one sequence at a time; the parallel operation uses <see cref="Vm"/> from several threads.
/// </summary>
/// <summary>How a VM is opened: its history mode and memory path (the model's behaviour must not depend on the path).</summary>
internal sealed record VmConfig(HistoryMode Mode, MemoryPath Path)
{
    public static readonly VmConfig[] All =
        [.. from mode in new[] { HistoryMode.Archive, HistoryMode.Prune } from path in new[] { MemoryPath.Mapped, MemoryPath.Plain } select new VmConfig(mode, path)];

    public override string ToString() => $"{Mode}, {Path}";
}

internal sealed class VmUnderTest : IDisposable
{
    private readonly Dictionary<string, Hash> _rootOf = new(StringComparer.Ordinal);
    private readonly Dictionary<Hash, string> _keyOf = new();
    private readonly Dictionary<Hash, Dictionary<ContractId, Hash>> _digests = new();

    public VmUnderTest(string directory, VmConfig config, Statistics statistics)
    {
        Statistics = statistics;
        Directory = directory;
        Config = config;
        Vm = Open(directory, config);
    }

    public Statistics Statistics { get; }

    private Storage.PageStore? _craftStore;

    /// <summary>A store of the crafted states <see cref="CraftOp"/> builds, kept while this VM is pooled (opening one costs more than crafting).</summary>
    public Storage.PageStore CraftStore => _craftStore ??= Merkle.MerkleIndex.EphemeralStore();

    public VM Vm { get; private set; }
    public string Directory { get; }
    /// <summary>History mode and memory path the VM is open with.</summary>
    public VmConfig Config { get; private set; }
    public Dictionary<int, Session> Sessions { get; } = new();

    /// <summary>Set when a check failed: later operations of the sequence are skipped (the property already fails).</summary>
    public bool Failed { get; set; }

    /// <summary>Sequences this VM has served (the pool retires it after a while).</summary>
    public int Uses { get; set; }

    public static VM Open(string directory, VmConfig config) =>
        VM.Open(directory, new VMOptions { Durable = false, History = config.Mode, Memory = config.Path, MaxMemory = Semantics.MaxMemory });

    /// <summary>Disposes the sessions, then the VM, and opens it again on the same directory.</summary>
    public void Restart(VmConfig config)
    {
        DropSessions();
        Vm.Dispose();
        Config = config;
        Vm = Open(Directory, config);
    }

    public void DropSessions()
    {
        foreach (var session in Sessions.Values) session.Dispose();
        Sessions.Clear();
    }

    public Hash RootOf(string key) => _rootOf.TryGetValue(key, out var root)
        ? root
        : throw new InvalidOperationException($"no root is known for state {key}");

    public string? KeyOf(Hash root) => _keyOf.GetValueOrDefault(root);

    public bool IsVerified(Hash root) => _digests.ContainsKey(root);

    public void SetDigests(Hash root, Dictionary<ContractId, Hash> digests) => _digests[root] = digests;

    public Dictionary<ContractId, Hash>? Digests(Hash root) => _digests.GetValueOrDefault(root);

    /// <summary>Records that <paramref name="key"/> has <paramref name="root"/>; a state with two roots, or a root of two states, is an error.</summary>
    public void Register(string key, Hash root, List<string> errors, string where)
    {
        if (_rootOf.TryGetValue(key, out var known))
        {
            if (known != root) errors.Add($"{where}: identical states got different roots {Short(known)} and {Short(root)}: {key}");
            return;
        }
        if (_keyOf.TryGetValue(root, out var other))
        {
            errors.Add($"{where}: different states share root {Short(root)}:\n    {other}\n    {key}");
            return;
        }
        _rootOf[key] = root;
        _keyOf[root] = key;
    }

    public static string Short(Hash root) => root.ToString()[..12];

    /// <summary>Forgets what the last sequence learnt (its states are all deleted now).</summary>
    public void Reset()
    {
        _rootOf.Clear();
        _keyOf.Clear();
        _digests.Clear();
        Failed = false;
    }

    public void Dispose()
    {
        DropSessions();
        Vm.Dispose();
        _craftStore?.Dispose();
    }
}

/// <summary>
/// VMs kept open between sequences (opening RocksDB costs 0.1–0.5 s here, and a fresh VM compiles
/// every contract again). A sequence gets an idle VM with no commits in the configuration (history mode,
/// memory path) it asks for, else a new one while the pool holds few, else another idle one reopened in
/// it (restart operations move VMs between configurations; this keeps their number bounded); on return
/// its sessions are dropped and every commit deleted, and it waits among the VMs of the configuration
/// it is in now (a restart
/// operation may have switched it). A VM whose sequence
/// failed, or that served many sequences, is disposed and its directory removed. Thread-safe.
/// </summary>
internal sealed class VmPool(Statistics statistics) : IDisposable
{
    private const int MaxUses = 500;
    private const int MaxVms = 8;
    private readonly ConcurrentDictionary<VmConfig, ConcurrentBag<VmUnderTest>> _idle = new();
    private readonly ConcurrentDictionary<VmUnderTest, bool> _all = new();
    private int _opened;

    /// <summary>VMs opened on fresh directories so far.</summary>
    public int Opened => _opened;

    public VmUnderTest Take(VmConfig config)
    {
        // An idle VM in this configuration; else a new one while there are few; else another idle one, reopened.
        if (!_idle.GetOrAdd(config, _ => []).TryTake(out var vm) && _all.Count >= MaxVms && TakeAnyIdle(out vm))
            vm.Restart(config);
        if (vm is null)
        {
            string directory = Path.Combine(Path.GetTempPath(), "piecrust-model-" + Guid.NewGuid().ToString("N"));
            vm = new VmUnderTest(directory, config, statistics);
            _all[vm] = true;
            Interlocked.Increment(ref _opened);
        }
        vm.Uses++;
        return vm;
    }

    private bool TakeAnyIdle([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VmUnderTest? vm)
    {
        foreach (var bag in _idle.Values)
            if (bag.TryTake(out vm)) return true;
        vm = null;
        return false;
    }

    public void Return(VmUnderTest vm)
    {
        if (!vm.Failed && vm.Uses < MaxUses)
        {
            try
            {
                vm.DropSessions();
                foreach (var root in vm.Vm.Commits) vm.Vm.DeleteCommit(root);
                if (vm.Vm.Commits.Count == 0 && vm.Vm.FinalizedCommit is null)
                {
                    vm.Reset();
                    _idle.GetOrAdd(vm.Config, _ => []).Add(vm);
                    return;
                }
            }
            catch (PiecrustException)
            {
                // fall through: retire it
            }
        }
        Retire(vm);
    }

    private void Retire(VmUnderTest vm)
    {
        _all.TryRemove(vm, out _);
        vm.Dispose();
        try { System.IO.Directory.Delete(vm.Directory, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }

    public void Dispose()
    {
        foreach (var bag in _idle.Values)
            while (bag.TryTake(out _)) { }
        foreach (var vm in _all.Keys) Retire(vm);
    }
}
