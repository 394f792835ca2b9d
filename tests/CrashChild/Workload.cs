using System.Globalization;
using Piecrust.Storage;

namespace Piecrust.Crash;

/// <summary>
/// A seeded workload of commits, deletions, finalizations and deferred reclamations on counters
/// (tests/contracts/counter.c) in a store directory, reporting each operation through
/// <see cref="CrashProtocol"/> lines. It reads the store's live commits afresh before every choice,
/// so it continues whatever an earlier (killed) child left behind.
/// </summary>
/// <remarks>
/// Choices, per operation: a commit (half of them) on the newest commit, an earlier one or the
/// empty state, deploying a counter under a fresh id or setting one to a value and incrementing it;
/// a deletion of a random commit; a finalization; a garbage collection (which compacts the store);
/// or a deletion deferred by a lease (a session on the commit is open while it is deleted, a few
/// other deletions, finalizations or collections run, then the session ends and reclaims it).
/// Once more than <see cref="TargetCommits"/> commits are live, deletions outnumber commits, which
/// keeps the store small enough for the test to check all of it after every kill.
/// Values are drawn from a small range half of the time, so that equal pages, equal memories and
/// even equal state roots recur and the reference counts of shared objects are exercised. The values
/// a commit announces come from the workload's own arithmetic, never from reading the store.
/// </remarks>
internal sealed class Workload(ChildOptions options, TextWriter output)
{
    /// <summary>Live commits above which deletions become likely.</summary>
    public const int TargetCommits = 10;

    /// <summary>Most counters a state holds.</summary>
    public const int MaxContracts = 6;

    private static readonly byte[] Owner = [0xC7, 0xA5, 0x11];

    private readonly Random _random = new(options.Seed);
    private readonly byte[] _code = File.ReadAllBytes(options.Contract);

    /// <summary>Opens the VM and runs <see cref="ChildOptions.Operations"/> operations.</summary>
    public void Run()
    {
        using var vm = VM.Open(options.Store, new VMOptions { History = options.History, Memory = options.Memory });
        Line(CrashProtocol.Open);
        for (int i = 0; i < options.Operations; i++)
        {
            var commits = vm.CommitLog;
            double choice = _random.NextDouble();
            bool crowded = commits.Count > TargetCommits;
            if (commits.Count == 0 || choice < (crowded ? 0.35 : 0.5)) Commit(vm, commits);
            else if (choice < (crowded ? 0.75 : 0.65)) Delete(vm, commits);
            else if (choice < 0.87) Finalize(vm, commits);
            else if (choice < 0.9) Collect(vm);
            else DeferredDelete(vm, commits);
        }
        Line(CrashProtocol.Done);
    }

    private void Commit(VM vm, IReadOnlyList<CommitInfo> commits)
    {
        Hash? baseRoot = commits.Count == 0 || _random.NextDouble() < 0.03 ? null
            : _random.NextDouble() < 0.7 ? commits[^1].Root
            : commits[_random.Next(commits.Count)].Root;
        var existing = baseRoot is { } b ? vm.Contracts(b).Select(c => c.Id).ToList() : [];
        using var session = vm.Session(new SessionData { Base = baseRoot });
        var changed = new SortedDictionary<ContractId, ulong>();
        int changes = 1 + _random.Next(3);
        for (int i = 0; i < changes; i++)
        {
            ContractId id;
            ulong value;
            if (existing.Count == 0 || (existing.Count < MaxContracts && _random.NextDouble() < 0.2))
            {
                id = new ContractId(NewHash());
                session.Deploy(_code, new ContractData(Owner, default, id), CrashProtocol.Gas);
                existing.Add(id);
                value = CrashProtocol.InitialValue;
            }
            else
            {
                id = existing[_random.Next(existing.Count)];
                value = _random.NextDouble() < 0.5 ? (ulong)_random.Next(8) : (ulong)_random.NextInt64(1L << 48);
                session.Call(id, "write_value", BitConverter.GetBytes(value), CrashProtocol.Gas);
            }
            int increments = _random.Next(3);
            for (int k = 0; k < increments; k++) session.Call(id, "increment", [], CrashProtocol.Gas);
            changed[id] = value + (ulong)increments;
        }
        var root = session.Root;
        Line($"{CrashProtocol.Begin} {CrashProtocol.Commit} {root} {baseRoot?.ToString() ?? CrashProtocol.NoBase} "
             + string.Join(' ', changed.Select(c => $"{c.Key}={c.Value.ToString(CultureInfo.InvariantCulture)}")));
        var committed = session.Commit();
        if (committed != root)
            throw new InvalidOperationException($"Session.Root promised {root}, but Commit returned {committed}.");
        Line($"{CrashProtocol.Committed} {root}");
    }

    private void Delete(VM vm, IReadOnlyList<CommitInfo> commits)
    {
        if (commits.Count == 0) return;
        // Past the target, mostly the oldest: a node prunes old history.
        var root = commits.Count > TargetCommits && _random.NextDouble() < 0.5
            ? commits[_random.Next(commits.Count / 2)].Root
            : commits[_random.Next(commits.Count)].Root;
        Line($"{CrashProtocol.Begin} {CrashProtocol.Delete} {root}");
        vm.DeleteCommit(root);
        Line($"{CrashProtocol.Deleted} {root}");
    }

    private void Finalize(VM vm, IReadOnlyList<CommitInfo> commits)
    {
        if (commits.Count == 0) return;
        var root = _random.NextDouble() < 0.5 ? commits[^1].Root : commits[_random.Next(commits.Count)].Root;
        Line($"{CrashProtocol.Begin} {CrashProtocol.Finalize} {root}");
        vm.FinalizeCommit(root);
        Line($"{CrashProtocol.Finalized} {root}");
    }

    private void Collect(VM vm)
    {
        Line($"{CrashProtocol.Begin} {CrashProtocol.Collect} {CrashProtocol.NoBase}");
        vm.CollectGarbage();
        Line($"{CrashProtocol.Collected} {CrashProtocol.NoBase}");
    }

    private void DeferredDelete(VM vm, IReadOnlyList<CommitInfo> commits)
    {
        var root = commits[_random.Next(commits.Count)].Root;
        var contract = vm.Contracts(root).FirstOrDefault();
        var session = vm.Session(new SessionData { Base = root });
        try
        {
            if (contract is not null) session.Call(contract.Id, CrashProtocol.ReadValue, [], CrashProtocol.Gas); // maps its memory
            Line($"{CrashProtocol.Leased} {root}");
            Line($"{CrashProtocol.Begin} {CrashProtocol.Delete} {root}");
            vm.DeleteCommit(root);
            Line($"{CrashProtocol.Deleted} {root}");
            // No commits meanwhile: committing a state equal to the deferred one would revive it.
            for (int i = _random.Next(3); i > 0; i--)
            {
                var now = vm.CommitLog;
                double choice = _random.NextDouble();
                if (choice < 0.45) Delete(vm, now);
                else if (choice < 0.9) Finalize(vm, now);
                else Collect(vm); // leaves the leased deletion alone
            }
            Line($"{CrashProtocol.Begin} {CrashProtocol.Release} {root}");
        }
        finally
        {
            session.Dispose();
        }
        Line($"{CrashProtocol.Released} {root}");
    }

    private Hash NewHash()
    {
        var bytes = new byte[Hash.Size];
        _random.NextBytes(bytes);
        return Hash.FromBytes(bytes);
    }

    // One write per line (a pipe takes a write of up to 4 KiB whole), flushed before the work it announces.
    private void Line(string line)
    {
        output.Write(line + "\n");
        output.Flush();
    }
}
