using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// <see cref="VM.WarmUp"/> makes instances ahead of the first session of a freshly opened VM: that
/// session's first calls take them over (no instance is created) and see exactly the committed
/// state; the warm-up keeps to the bounds of a runtime the pool keeps, and refuses bad input with a
/// typed error, making nothing. Runs with the address-space tests: it holds 64-bit memories.
/// </summary>
[Collection(nameof(AddressSpaceCollection))]
public sealed class WarmUpTests
{
    private const ulong Gas = 10_000_000;

    private static byte[] Module32(int variant) => PageProbe.Code(variant: variant);

    private static byte[] Module64(int variant) => Contracts.Wat($$"""
        (module
          (memory (export "memory") i64 1)
          (global (export "A") i64 (i64.const 0))
          (global (export "variant") i32 (i32.const {{variant}}))
          (func (export "read") (param i32) (result i32) (i32.const 0)))
        """);

    // Its argument buffer lies past its memory's length (64 KiB), inside the capacity: prefaulted there too. echo returns the argument.
    private static readonly byte[] EchoPastLength = Contracts.Wat("""
        (module
          (memory (export "memory") 1)
          (global (export "A") i32 (i32.const 262144))
          (func (export "echo") (param i32) (result i32) (local.get 0)))
        """);

    private static ContractId Id(int index) => new(Hash.Of(BitConverter.GetBytes(index)));

    private static ulong Read(Session session, ContractId id, uint page) => PageProbe.Read(session, id, page);

    private static void Write(Session session, ContractId id, uint page, ulong value) => PageProbe.Write(session, id, page, value);

    /// <summary>A store in a fresh directory with <paramref name="build"/>'s state committed; the VM is closed again.</summary>
    private static Hash Committed(string directory, Action<Session> build)
    {
        using var vm = TestVM.Open(directory);
        using var session = vm.Session();
        build(session);
        return session.Commit();
    }

    private static void InTempDirectory(Action<string> test) => Storage.StoreFixture.InTempDirectory(test);

    /// <summary>A reopened VM that warms nothing up by itself (<see cref="VMOptions.WarmUpOnOpen"/> 0): the explicit warm-up's tests.</summary>
    private static VM OpenCold(string directory, int warmUpOnOpen = 0) => TestVM.Open(directory, new VMOptions { WarmUpOnOpen = warmUpOnOpen });

    [Fact]
    public void The_first_session_of_a_reopened_vm_takes_over_the_warmed_instances_and_sees_the_committed_state()
    {
        InTempDirectory(directory =>
        {
            var root = Committed(directory, session =>
            {
                for (int i = 0; i < 2; i++)
                {
                    session.Deploy(Module32(i), new ContractData(Contracts.Owner, default, Id(i)), Gas);
                    Write(session, Id(i), 3, 30 + (ulong)i);
                }
            });
            using var vm = OpenCold(directory);
            Assert.Equal(2, vm.WarmUp(root, [Id(0), Id(1)]));
            Assert.Equal(2, vm.InstancesCreated);
            Assert.Equal(0, vm.ModulesCompiled);
            for (int round = 0; round < 2; round++)
            {
                using var session = vm.Session(new SessionData { Base = root });
                Assert.Equal(30UL, Read(session, Id(0), 3));
                Assert.Equal(31UL, Read(session, Id(1), 3));
                Assert.Equal(0UL, Read(session, Id(1), 9));
                Write(session, Id(0), 3, 99); // dropped with the session: the next round sees the commit again
                Assert.Equal(2, vm.InstancesCreated); // the warmed instances, taken over
            }
            using var check = vm.Session(new SessionData { Base = root });
            Assert.Equal(root, check.Root);
        });
    }

    [Fact]
    public void Calls_after_a_warm_up_give_the_results_gas_and_root_of_calls_without_one()
    {
        InTempDirectory(directory =>
        {
            var root = Committed(directory, session =>
            {
                session.Deploy(Module32(0), new ContractData(Contracts.Owner, default, Id(0)), Gas);
                Write(session, Id(0), 3, 30);
                Write(session, Id(0), 15, 150);
                session.Deploy(EchoPastLength, new ContractData(Contracts.Owner, default, Id(1)), Gas);
            });
            // The warm-up looked the exports up and mapped the memory's pages ahead: nothing a call sees may differ.
            (CallReceipt[] Receipts, Hash Root) Run(bool warmUp)
            {
                using var vm = OpenCold(directory);
                if (warmUp) Assert.Equal(2, vm.WarmUp(root, [Id(0), Id(1)]));
                using var session = vm.Session(new SessionData { Base = root });
                var receipts = new[]
                {
                    session.Call(Id(0), "read", BitConverter.GetBytes(3u), Gas),
                    session.Call(Id(0), "read", BitConverter.GetBytes(9u), Gas),
                    session.Call(Id(0), "write", [.. BitConverter.GetBytes(15u), .. BitConverter.GetBytes(7UL)], Gas),
                    session.Call(Id(0), "read", BitConverter.GetBytes(15u), Gas),
                    session.Call(Id(1), "echo", BitConverter.GetBytes(0x1122334455667788UL), Gas),
                };
                Assert.Equal(2, vm.InstancesCreated); // with the warm-up, its instances taken over
                return (receipts, session.Commit());
            }
            var cold = Run(warmUp: false);
            var warmed = Run(warmUp: true);
            Assert.Equal([30UL, 0UL, 7UL, 0x1122334455667788UL], new[] { 0, 1, 3, 4 }.Select(i => BitConverter.ToUInt64(warmed.Receipts[i].Data)));
            Assert.Equal(cold.Receipts.Select(r => (Convert.ToHexString(r.Data), r.GasSpent)), warmed.Receipts.Select(r => (Convert.ToHexString(r.Data), r.GasSpent)));
            Assert.Equal(cold.Root, warmed.Root);
            Assert.NotEqual(root, warmed.Root);
        });
    }

    [Fact]
    public void A_contract_missing_from_the_state_is_refused_before_any_instance_is_made()
    {
        InTempDirectory(directory =>
        {
            var root = Committed(directory, session => session.Deploy(Module32(0), new ContractData(Contracts.Owner, default, Id(0)), Gas));
            using var vm = OpenCold(directory);
            var e = Assert.Throws<ContractNotFoundException>(() => vm.WarmUp(root, [Id(0), Id(7)]));
            Assert.Equal(Id(7), e.Contract);
            Assert.Equal(0, vm.InstancesCreated);
            Assert.Throws<CommitNotFoundException>(() => vm.WarmUp(Hash.Of("no such commit"u8), [Id(0)]));
            Assert.Throws<InvalidArgumentException>(() => vm.WarmUp(root, Enumerable.Repeat(Id(0), VM.MaxWarmUpContracts + 1)));
            Assert.Equal(0, vm.InstancesCreated);
            using var session = vm.Session(new SessionData { Base = root });
            Assert.Equal(0UL, Read(session, Id(0), 3));
        });
    }

    [Fact]
    public void A_warm_up_stops_where_the_pool_would_no_longer_keep_its_instances()
    {
        InTempDirectory(directory =>
        {
            // Three contracts of one code: each gets an instance of its own, all kept idle.
            var root = Committed(directory, session =>
            {
                for (int i = 0; i < 3; i++) session.Deploy(Module32(0), new ContractData(Contracts.Owner, default, Id(i)), Gas);
            });
            using (var vm = OpenCold(directory))
            {
                Assert.Equal(3, vm.WarmUp(root, [Id(0), Id(1), Id(2)]));
                Assert.Equal(3, vm.InstancesCreated);
                using var session = vm.Session(new SessionData { Base = root });
                for (int i = 0; i < 3; i++) Assert.Equal(0UL, Read(session, Id(i), 3));
                Assert.Equal(3, vm.InstancesCreated);
            }
            // Five 64-bit memories of 4 TiB: a kept runtime holds at most 16 TiB, three with their guards.
            var root64 = Committed(directory, session =>
            {
                for (int i = 10; i < 15; i++) session.Deploy(Module64(i), new ContractData(Contracts.Owner, default, Id(i)), Gas);
            });
            using (var vm = OpenCold(directory))
            {
                Assert.Equal(3, vm.WarmUp(root64, Enumerable.Range(10, 5).Select(Id)));
                Assert.Equal(3, vm.InstancesCreated);
                using var session = vm.Session(new SessionData { Base = root64 });
                for (int i = 10; i < 15; i++) session.Call(Id(i), "read", [], Gas);
                Assert.Equal(5, vm.InstancesCreated); // the three warmed ones were taken over, two made now
            }
        });
    }
}
