using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Runs alone: it uses up the process's budget of 64-bit memories, which every other test shares.</summary>
[CollectionDefinition(nameof(AddressSpaceCollection), DisableParallelization = true)]
public sealed class AddressSpaceCollection;

/// <summary>
/// A 64-bit memory spans 4 TiB of the process's 128 TiB of address space, so only a few dozen can be
/// open at once: past the engine's budget a call or deploy that needs one more fails with a typed
/// <see cref="EngineResourceException"/>, changing nothing, never with a crash, and the budget comes
/// back when sessions end.
/// </summary>
[Collection(nameof(AddressSpaceCollection))]
public sealed class AddressSpaceTests
{
    private static readonly byte[] Probe = Contracts.Wat("""
        (module
          (memory (export "memory") i64 1)
          (global (export "A") i64 (i64.const 0))
          (func (export "poke") (param i32) (result i32) (i64.store (i64.load (i64.const 0)) (i64.load (i64.const 8))) i32.const 0)
          (func (export "peek") (param i32) (result i32) (i64.store (i64.const 0) (i64.load (i64.load (i64.const 0)))) i32.const 8))
        """);

    private static ContractData Data(int index) => new(Contracts.Owner, default, new ContractId(Hash.Of(BitConverter.GetBytes(index))));

    /// <summary>Memories of 4 TiB the process-wide budget holds (see the engine's AddressSpaceBudget).</summary>
    private const int BudgetMemories = 24;

    /// <summary>Memories of 4 TiB a session keeps between calls before it goes on in a fresh runtime.</summary>
    private const int SessionMemories = 8;

    private static byte[] Poke(ulong address, ulong value) => Contracts.Cat(Contracts.Le(address), Contracts.Le(value));

    private static ulong Peek(Session session, ContractId id, ulong address) =>
        BitConverter.ToUInt64(session.Call(id, "peek", Contracts.Le(address), Contracts.Gas).Data);

    private static List<ContractId> DeployProbes(Session session, int from, int count)
    {
        var deployed = new List<ContractId>();
        for (int i = from; i < from + count; i++) deployed.Add(session.Deploy(Probe, Data(i), Contracts.Gas));
        return deployed;
    }

    [Fact]
    public void One_session_touching_more_64_bit_memories_than_the_budget_holds_goes_on_in_fresh_runtimes()
    {
        using var vm = TestVM.Ephemeral();
        const int Count = 2 * BudgetMemories;
        Hash root;
        List<ContractId> probes;
        using (var session = vm.Session())
        {
            probes = DeployProbes(session, 0, Count);
            for (int i = 0; i < Count; i++) session.Call(probes[i], "poke", Poke(((ulong)i + 1) << 36, 1000UL + (ulong)i), Contracts.Gas);
            // Uncommitted writes survive the runtimes the session left behind.
            for (int i = 0; i < Count; i++) Assert.Equal(1000UL + (ulong)i, Peek(session, probes[i], ((ulong)i + 1) << 36));
            root = session.Commit();
        }
        using var next = vm.Session(new SessionData { Base = root });
        for (int i = Count - 1; i >= 0; i--) Assert.Equal(1000UL + (ulong)i, Peek(next, probes[i], ((ulong)i + 1) << 36));
    }

    /// <summary>
    /// Opens sessions that deploy one probe each until a deploy in a session holding no memory is
    /// refused; checks that refusal and returns the sessions that deployed (they hold the budget).
    /// </summary>
    private static List<Session> FillBudget(VM vm, int from)
    {
        var holders = new List<Session>();
        for (int i = from; i < from + 2 * BudgetMemories; i++)
        {
            var session = vm.Session();
            var before = session.Root;
            try
            {
                session.Deploy(Probe, Data(i), Contracts.Gas);
                holders.Add(session);
            }
            catch (EngineResourceException e)
            {
                Assert.Contains("64-bit contract memory", e.Message);
                Assert.Equal(before, session.Root);
                session.Dispose();
                Assert.InRange(holders.Count, 1, BudgetMemories);
                return holders;
            }
        }
        foreach (var session in holders) session.Dispose();
        throw new Xunit.Sdk.XunitException($"{2 * BudgetMemories} live 64-bit memories fit: the budget did not stop them.");
    }

    [Fact]
    public void Past_the_budget_of_64_bit_memories_a_deploy_or_call_fails_typed_and_the_budget_returns_when_sessions_end()
    {
        using var vm = TestVM.Ephemeral();
        Hash root;
        List<ContractId> stored;
        using (var setup = vm.Session())
        {
            stored = DeployProbes(setup, 0, 4);
            root = setup.Commit();
        }
        // The setup's runtime keeps an idle instance of each probe: parked elsewhere, so the holder
        // starts in a fresh runtime and makes each instance it uses.
        var parked = vm.Session(new SessionData { Base = root });
        using var holder = vm.Session(new SessionData { Base = root });
        parked.Dispose();
        holder.Call(stored[0], "poke", Poke(1UL << 40, 77), Contracts.Gas);
        Assert.Equal(0UL, Peek(holder, stored[1], 0));
        Assert.Equal(0UL, Peek(holder, stored[3], 0)); // three memories held: the move below gives back more than it takes

        var fillers = FillBudget(vm, 100);
        try
        {
            // The budget is full. A call needing one more memory, in a session that holds some, goes
            // on in a fresh runtime: it gives those back and makes only the one it uses.
            Assert.Equal(0UL, Peek(holder, stored[2], 0));
            Assert.Equal(77UL, Peek(holder, stored[0], 1UL << 40)); // its uncommitted write survived the move
            fillers.AddRange(FillBudget(vm, 200)); // what it gave back is taken

            // A session holding none cannot make room: its call fails typed and changes nothing.
            using var empty = vm.Session(new SessionData { Base = root });
            var before = empty.Root;
            var callError = Assert.Throws<EngineResourceException>(() => empty.Call(stored[1], "peek", Contracts.Le(0UL), Contracts.Gas));
            Assert.Contains("64-bit contract memory", callError.Message);
            Assert.Equal(before, empty.Root);

            // An ended session's memories come back to the budget.
            fillers[^1].Dispose();
            Assert.Equal(0UL, Peek(empty, stored[1], 0));
            var late = empty.Deploy(Probe, Data(1000), Contracts.Gas);
            Assert.NotEqual(before, empty.Root);
            Assert.Equal(0UL, Peek(empty, late, 0));
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }
}
