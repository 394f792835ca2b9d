using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class CounterTests
{
    [Theory]
    [InlineData("counter")]
    [InlineData("counter64")]
    public void The_piecrust_example_reads_increments_and_commits(string contract)
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var id = Contracts.Deploy(session, contract);

        Assert.Equal(0xfcUL, BitConverter.ToUInt64(session.Call(id, "read_value", [], Contracts.Gas).Data));
        session.Call(id, "increment", [], Contracts.Gas);
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(session.Call(id, "read_value", [], Contracts.Gas).Data));

        var rootBefore = session.Root;
        var root = session.Commit();
        Assert.Equal(rootBefore, root);
        Assert.Equal(root, vm.Commits[0]);

        using var reopened = vm.Session(new SessionData { Base = root });
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(reopened.Call(id, "read_value", [], Contracts.Gas).Data));
        Assert.Equal(root, reopened.Root);
    }
}
