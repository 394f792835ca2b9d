using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class ModuleCacheTests
{
    [Fact]
    public void A_second_vm_on_the_same_directory_deploys_and_calls_without_recompiling()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Hash commit;
            ContractId counter;
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session();
                counter = Contracts.Deploy(session, "counter");
                session.Call(counter, "increment", [], Contracts.Gas);
                commit = session.Commit();
                Assert.Equal(1, vm.ModulesCompiled);
            }
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session(new SessionData { Base = commit });
                Assert.Equal(0xfdUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
                // The same bytecode under another id: still no compilation.
                session.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("again"u8))), Contracts.Gas);
                Assert.Equal(0, vm.ModulesCompiled);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_cached_module_is_not_validated_by_the_engine_again_but_still_keeps_to_the_vms_limits()
    {
        InTempDirectory(directory =>
        {
            var (commit, counter) = CommittedCounter(directory);
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session(new SessionData { Base = commit });
                Assert.Equal(0xfdUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
                Assert.Equal(0, vm.ModulesCompiled);
                Assert.Equal(0, vm.Modules.EngineValidationCount);
            }
            // The module limits and the ABI's rules are checked again: only the engine's validation is skipped.
            using (var vm = TestVM.Open(directory, new VMOptions { MaxModuleSize = 64 }))
            {
                using var session = vm.Session(new SessionData { Base = commit });
                var e = Assert.Throws<InvalidModuleException>(() => session.Call(counter, "read_value", [], Contracts.Gas));
                Assert.Contains(nameof(VMOptions.MaxModuleSize), e.Message);
            }
        });
    }

    [Fact]
    public void A_cached_module_the_engine_cannot_load_is_reported_as_corrupt_and_nothing_runs()
    {
        InTempDirectory(directory =>
        {
            var (commit, counter) = CommittedCounter(directory);
            using (var vm = TestVM.Open(directory))
            {
                // Damaged bytes under a matching checksum: only Wasmtime can tell, and must say so.
                vm.Store.WriteModule(Hash.Of(Contracts.Bytes("counter")), Piecrust.Modules.WasmConfig.FingerprintFor(vm.Options.MaxMemory), "not a compiled module"u8);
            }
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session(new SessionData { Base = commit });
                var e = Assert.Throws<CorruptStoreException>(() => session.Call(counter, "increment", [], Contracts.Gas));
                Assert.Contains("remove it to recompile", e.Message);
                Assert.Equal(commit, session.Root);
                // What the message asks for works: the module is compiled again and the call runs.
                vm.RecompileModule(Hash.Of(Contracts.Bytes("counter")));
                session.Call(counter, "increment", [], Contracts.Gas);
                Assert.Equal(0xfeUL, BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
            }
        });
    }

    private static (Hash Commit, ContractId Counter) CommittedCounter(string directory)
    {
        using var vm = TestVM.Open(directory);
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        session.Call(counter, "increment", [], Contracts.Gas);
        Assert.Equal(1, vm.Modules.EngineValidationCount);
        return (session.Commit(), counter);
    }

    private static void InTempDirectory(Action<string> test) => Storage.StoreFixture.InTempDirectory(test);
}
