using System.Collections.Concurrent;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Many threads hammer one session with a random mix of its operations, on the memory path of the
/// run (both in scripts/test.sh). Every refused operation must be a <see cref="SessionBusyException"/>,
/// the process must survive (a crash takes the test host down), and afterwards the session must hold
/// exactly what its successful operations did, as a sequential replay of them shows.
/// </summary>
public sealed class SessionHammerTests(ITestOutputHelper output)
{
    private const int Threads = 8, Iterations = 300, Rounds = 3;
    private const ulong Initial = 0;
    private static readonly ContractId Counter = new(Hash.Of("hammered counter"u8));

    // A counter whose every successful function leaves the same bytes in memory for the same value
    // (the value at 64 KiB, and in the argument buffer at 0), so any order of the same successful
    // operations ends in the same root.
    private static readonly byte[] Tally = Contracts.Wat("""
        (module
          (import "env" "feed" (func $feed (param i32)))
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 0))
          (func $show (result i32) (i64.store (i32.const 0) (i64.load (i32.const 65536))) (i32.const 8))
          (func $add (i64.store (i32.const 65536) (i64.add (i64.load (i32.const 65536)) (i64.const 1))))
          (func (export "increment") (param i32) (result i32) (call $add) (call $show))
          (func (export "increment_then_trap") (param i32) (result i32) (call $add) unreachable)
          (func (export "read_value") (param i32) (result i32) (call $show))
          (func (export "feed_twice") (param i32) (result i32)
            (drop (call $show)) (call $feed (i32.const 8)) (call $feed (i32.const 8)) (call $show)))
        """);

    private sealed class Outcomes
    {
        public long Increments, Busy, Trapped, Completed;
        public readonly ConcurrentBag<ContractId> Deployed = [];
        public readonly ConcurrentBag<Hash> Commits = [];
        public readonly ConcurrentQueue<string> Unexpected = new();
        public readonly int?[] LastMeta = new int?[Threads];
    }

    [Fact]
    public void Threads_hammering_one_session_are_refused_typed_and_leave_exactly_what_succeeded()
    {
        for (int round = 0; round < Rounds; round++)
        {
            using var vm = TestVM.Ephemeral();
            var session = vm.Session();
            session.Deploy(Tally, new ContractData(Contracts.Owner, default, Counter), Contracts.Gas);
            var genesis = session.Commit();
            var tally = new Outcomes();

            RunThreads(t => Hammer(session, tally, round, t));

            Assert.Empty(tally.Unexpected);
            Assert.True(tally.Busy > 0, "no operation was ever refused: the threads never overlapped");
            ulong value = Read(session);
            Assert.Equal(Initial + (ulong)tally.Increments, value);
            for (int t = 0; t < Threads; t++)
                Assert.Equal(tally.LastMeta[t] is { } i ? BitConverter.GetBytes(i) : null, session.GetMeta($"thread {t}"));
            Assert.Equal(SequentialRoot(vm, genesis, tally), session.Root);
            foreach (var root in tally.Commits.Distinct())
            {
                using var reopened = vm.Session(new SessionData { Base = root });
                Assert.InRange(Read(reopened), Initial, value);
            }
            Assert.Equal(Threads * Iterations, tally.Completed);
            output.WriteLine($"round {round}: {Threads} threads × {Iterations} operations, {tally.Busy} attempts refused busy; " +
                             $"{tally.Increments} increments, {tally.Trapped} traps, {tally.Commits.Count} commits, {tally.Deployed.Count} deploys");

            DisposeWhileHammered(vm, session, value);
        }
    }

    /// <summary>Runs <see cref="Iterations"/> random operations, each retried until the session lets it in.</summary>
    private static void Hammer(Session session, Outcomes tally, int round, int thread)
    {
        var random = new Random(round * Threads + thread);
        for (int i = 0; i < Iterations; i++)
        {
            int op = random.Next(12);
            while (true)
            {
                try
                {
                    Operate(session, tally, op, round, thread, i);
                    Interlocked.Increment(ref tally.Completed);
                    break;
                }
                catch (SessionBusyException)
                {
                    Interlocked.Increment(ref tally.Busy);
                    Thread.Yield();
                }
                catch (Exception e)
                {
                    tally.Unexpected.Enqueue($"operation {op}: {e}");
                    break;
                }
            }
        }
    }

    private static void Operate(Session session, Outcomes tally, int op, int round, int thread, int iteration)
    {
        switch (op)
        {
            case < 3:
                session.Call(Counter, "increment", [], Contracts.Gas);
                Interlocked.Increment(ref tally.Increments);
                break;
            case 3:
                // Increments counted before the read finished before it; each other thread may have one done but not yet counted.
                long before = Interlocked.Read(ref tally.Increments);
                long read = (long)(Read(session) - Initial);
                long after = Interlocked.Read(ref tally.Increments);
                if (read < before || read > after + Threads) tally.Unexpected.Enqueue($"read {read} increments, counted {before}..{after}");
                break;
            case 4:
                try
                {
                    session.Call(Counter, "increment_then_trap", [], Contracts.Gas);
                    tally.Unexpected.Enqueue("increment_then_trap succeeded");
                }
                catch (ContractTrapException)
                {
                    Interlocked.Increment(ref tally.Trapped);
                }
                break;
            case 5:
                tally.Commits.Add(session.Commit());
                break;
            case 6:
                _ = session.Root;
                break;
            case 7:
                var id = new ContractId(Hash.Of([(byte)round, (byte)thread, (byte)(iteration >> 8), (byte)iteration]));
                session.Deploy(Tally, new ContractData(Contracts.Owner, default, id), Contracts.Gas);
                tally.Deployed.Add(id);
                break;
            case 8:
                session.SetMeta($"thread {thread}", BitConverter.GetBytes(iteration));
                tally.LastMeta[thread] = iteration;
                break;
            case 9:
                int items = 0;
                session.FeederCall(Counter, "feed_twice", [], Contracts.Gas, _ => items++);
                if (items != 2) tally.Unexpected.Enqueue($"a feeder call fed {items} items, not 2");
                break;
            case 10:
                var page = session.ReadPage(Counter, 0);
                if (page.Length != 4096) tally.Unexpected.Enqueue($"a page of {page.Length} bytes");
                break;
            default:
                _ = session.MemoryLength(Counter) + (ulong)session.DebugLog.Count;
                break;
        }
    }

    /// <summary>The root the successful operations make when done one after another on a fresh session.</summary>
    private static Hash SequentialRoot(VM vm, Hash genesis, Outcomes tally)
    {
        using var session = vm.Session(new SessionData { Base = genesis });
        foreach (var id in tally.Deployed.Order())
            session.Deploy(Tally, new ContractData(Contracts.Owner, default, id), Contracts.Gas);
        for (long i = 0; i < tally.Increments; i++) session.Call(Counter, "increment", [], Contracts.Gas);
        return session.Root;
    }

    /// <summary>Half the threads dispose the session while the other half call it: every failure is typed, and the VM serves new sessions after.</summary>
    private static void DisposeWhileHammered(VM vm, Session session, ulong value)
    {
        var committed = session.Commit();
        var unexpected = new ConcurrentQueue<string>();
        RunThreads(t =>
        {
            while (true)
            {
                try
                {
                    if (t % 2 == 0)
                    {
                        session.Dispose();
                        return;
                    }
                    session.Call(Counter, "increment", [], Contracts.Gas);
                }
                catch (SessionBusyException)
                {
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e.ToString());
                    return;
                }
            }
        });
        Assert.Empty(unexpected);
        Assert.Throws<ObjectDisposedException>(() => session.Call(Counter, "increment", [], Contracts.Gas));
        using var a = vm.Session(new SessionData { Base = committed });
        using var b = vm.Session(new SessionData { Base = committed });
        a.Call(Counter, "increment", [], Contracts.Gas);
        Assert.Equal(value + 1, Read(a));
        Assert.Equal(value, Read(b));
    }

    private static ulong Read(Session session) => BitConverter.ToUInt64(session.Call(Counter, "read_value", [], Contracts.Gas).Data);

    private static void RunThreads(Action<int> body)
    {
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            body(t);
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
    }
}
