using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class ConcurrencyTests
{
    private const int Threads = 8, SessionsPerThread = 50;

    private static (VM Vm, Hash Genesis, ContractId[] Counters) Setup()
    {
        var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var counters = Enumerable.Range(0, Threads)
            .Select(t => session.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of(BitConverter.GetBytes(t)))), Contracts.Gas))
            .ToArray();
        return (vm, session.Commit(), counters);
    }

    [Fact]
    public void Sessions_on_many_threads_commit_at_once_and_every_root_opens_to_its_value()
    {
        var (vm, genesis, counters) = Setup();
        using var _ = vm;
        var results = new (Hash Root, ulong Value)[Threads][];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            results[t] = new (Hash, ulong)[SessionsPerThread];
            var root = genesis;
            for (int i = 0; i < SessionsPerThread; i++)
            {
                using var session = vm.Session(new SessionData { Base = root });
                session.Call(counters[t], "increment", [], Contracts.Gas);
                root = session.Commit();
                results[t][i] = (root, 0xfcUL + (ulong)i + 1);
            }
        });

        Assert.Equal(Threads * SessionsPerThread + 1, vm.Commits.Count);
        foreach (var (t, thread) in results.Select((r, t) => (t, r)))
            foreach (var (root, value) in thread)
            {
                using var session = vm.Session(new SessionData { Base = root });
                Assert.Equal(value, BitConverter.ToUInt64(session.Call(counters[t], "read_value", [], Contracts.Gas).Data));
                int other = (t + 1) % Threads;
                Assert.Equal(0xfcUL, BitConverter.ToUInt64(session.Call(counters[other], "read_value", [], Contracts.Gas).Data));
            }
    }

    [Fact]
    public void Commit_delete_and_finalize_on_many_threads_never_break_a_running_session()
    {
        var (vm, genesis, counters) = Setup();
        using var _ = vm;
        var finals = new Hash[Threads];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var root = genesis;
            for (int i = 0; i < SessionsPerThread / 2; i++)
            {
                using var session = vm.Session(new SessionData { Base = root });
                session.Call(counters[t], "increment", [], Contracts.Gas);
                var next = session.Commit();
                // Delete the base while this session (whose base is now `next`) and others run.
                if (root != genesis) vm.DeleteCommit(root);
                if (i % 5 == 0) vm.FinalizeCommit(next);
                session.Call(counters[t], "increment", [], Contracts.Gas);
                root = session.Commit();
                vm.DeleteCommit(next);
            }
            finals[t] = root;
        });

        Assert.Equal(finals.Append(genesis).ToHashSet(), vm.Commits.ToHashSet());
        for (int t = 0; t < Threads; t++)
        {
            using var session = vm.Session(new SessionData { Base = finals[t] });
            Assert.Equal(0xfcUL + SessionsPerThread, BitConverter.ToUInt64(session.Call(counters[t], "read_value", [], Contracts.Gas).Data));
        }
    }
}
