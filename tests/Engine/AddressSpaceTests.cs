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

    /// <summary>Deploys probes until the budget runs out; returns those deployed and the error.</summary>
    private static (List<ContractId> Deployed, EngineResourceException Error) DeployUntilRefused(Session session, int from)
    {
        var deployed = new List<ContractId>();
        for (int i = from; i < from + 64; i++)
        {
            var root = session.Root;
            try
            {
                deployed.Add(session.Deploy(Probe, Data(i), Contracts.Gas));
            }
            catch (EngineResourceException e)
            {
                Assert.Equal(root, session.Root);
                return (deployed, e);
            }
        }
        throw new Xunit.Sdk.XunitException("64 live 64-bit memories (256 TiB) cannot all fit in the address space: the budget did not stop them.");
    }

    [Fact]
    public void Past_the_budget_of_64_bit_memories_a_deploy_or_call_fails_typed_and_the_budget_returns_when_sessions_end()
    {
        using var vm = TestVM.Ephemeral();
        Hash root;
        List<ContractId> first;
        using (var session = vm.Session())
        {
            (first, var error) = DeployUntilRefused(session, 0);
            Assert.InRange(first.Count, 1, 24);
            Assert.Contains("64-bit contract memory", error.Message);
            // The memories already open keep working, and the session commits.
            session.Call(first[0], "poke", Contracts.Cat(Contracts.Le(1UL << 40), Contracts.Le(77UL)), Contracts.Gas);
            Assert.Equal(Contracts.Le(77UL), session.Call(first[0], "peek", Contracts.Le(1UL << 40), Contracts.Gas).Data);
            root = session.Commit();
        }

        // The ended session's memories were freed: a new one loads as many again, and the first
        // load past the budget (a call this time) fails the same way, its session unchanged.
        using var next = vm.Session(new SessionData { Base = root });
        var before = next.Root;
        foreach (var id in first.Take(first.Count - 1)) next.Call(id, "peek", Contracts.Le(0UL), Contracts.Gas);
        var (more, refused) = DeployUntilRefused(next, 1000);
        Assert.Single(more);
        var callError = Assert.Throws<EngineResourceException>(() => next.Call(first[^1], "peek", Contracts.Le(0UL), Contracts.Gas));
        Assert.Contains("64-bit contract memory", callError.Message);
        Assert.Contains("64-bit contract memory", refused.Message);
        Assert.Equal(Contracts.Le(77UL), next.Call(first[0], "peek", Contracts.Le(1UL << 40), Contracts.Gas).Data);
        Assert.NotEqual(before, next.Root); // the one deploy that fit
    }
}
