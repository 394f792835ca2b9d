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
}
