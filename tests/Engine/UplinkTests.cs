using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Unmodified contracts compiled from Rust with Dusk's SDK, with the known calls from their README.</summary>
public sealed class UplinkTests
{
    private static ContractId DeployUplink(SessionFixture f, string name, byte[]? init = null) =>
        f.Session.Deploy(Contracts.Uplink(name), new ContractData(Contracts.Owner, init ?? default), Contracts.Gas);

    [Fact]
    public void Bob_answers_its_known_calls()
    {
        using var f = new SessionFixture();
        var bob = DeployUplink(f, "bob", init: [0x07]);
        Assert.Equal(new byte[] { 0x07 }, f.Call(bob, "value").Data);
        Assert.Equal(Convert.FromHexString("0102030405060708"), f.Call(bob, "echo", Convert.FromHexString("0102030405060708")).Data);
        Assert.Equal(Convert.FromHexString("0000000000000000"), f.Call(bob, "nonce").Data);

        var root = f.Session.Root;
        var error = Assert.Throws<ContractPanicException>(() => f.Call(bob, "echo", [0x01]));
        Assert.StartsWith("Argument should correctly deserialize", error.Message);
        Assert.Equal(root, f.Session.Root);
    }

    [Fact]
    public void Bob_deployed_without_init_has_value_zero()
    {
        using var f = new SessionFixture();
        var bob = DeployUplink(f, "bob");
        Assert.Equal(new byte[] { 0x00 }, f.Call(bob, "value").Data);
    }

    [Fact]
    public void Host_fn_reads_metadata_and_calls_a_host_query()
    {
        var data = new SessionData { Metadata = { ["chain_id"] = [0x02], ["block_height"] = Convert.FromHexString("2a00000000000000") } };
        using var f = new SessionFixture(data: data);
        f.Vm.RegisterHostQuery("keccak256", new Keccak256Query());
        var host = DeployUplink(f, "host_fn");
        Assert.Equal(new byte[] { 0x02 }, f.Call(host, "chain_id").Data);
        Assert.Equal(Convert.FromHexString("2a00000000000000"), f.Call(host, "block_height").Data);
        Assert.Equal(Convert.FromHexString("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
            f.Call(host, "keccak256", Convert.FromHexString("61626300fcffffff03000000")).Data);

        f.Session.RemoveMeta("chain_id");
        Assert.Throws<ContractPanicException>(() => f.Call(host, "chain_id"));
    }

    [Fact]
    public void Alice_and_charlie_deploy_and_their_exports_are_callable()
    {
        using var f = new SessionFixture();
        var alice = DeployUplink(f, "alice");
        var charlie = DeployUplink(f, "charlie");
        Assert.Empty(f.Call(alice, "ping").Data);
        // Charlie's functions expect rkyv arguments; with none they panic cleanly, which proves they run.
        var error = Assert.ThrowsAny<CallFailedException>(() => f.Call(charlie, "stake"));
        Assert.Equal(charlie, error.Contract);
    }
}
