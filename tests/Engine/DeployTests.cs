using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class DeployTests
{
    [Fact]
    public void The_default_id_is_the_blake3_of_the_bytecode_and_a_given_id_is_kept()
    {
        using var f = new SessionFixture();
        var bytes = Contracts.Bytes("counter");
        Assert.Equal(new ContractId(Hash.Of(bytes)), f.Deploy("counter"));

        var chosen = new ContractId(Hash.Of("my counter"u8));
        Assert.Equal(chosen, f.Deploy("counter", id: chosen));
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(chosen, "read_value").Data));
    }

    [Fact]
    public void Deploying_an_existing_id_is_an_error_that_changes_nothing()
    {
        using var f = new SessionFixture();
        var id = f.Deploy("counter");
        f.Call(id, "increment");
        var root = f.Session.Root;

        var error = Assert.Throws<ContractAlreadyExistsException>(() => f.Deploy("counter"));
        Assert.Equal(id, error.Contract);
        Assert.Throws<ContractAlreadyExistsException>(() => f.Deploy("box", id: id));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(id, "read_value").Data));

        // Also against a committed base.
        var commit = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = commit });
        Assert.Throws<ContractAlreadyExistsException>(() => next.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner), Contracts.Gas));
    }

    [Fact]
    public void Init_runs_once_with_its_argument_and_is_never_callable_afterwards()
    {
        using var f = new SessionFixture();
        var withInit = f.Deploy("initializer", initArg: [0xab]);
        Assert.Equal(new byte[] { 0xab }, f.Call(withInit, "read_value").Data);

        var error = Assert.Throws<InvalidArgumentException>(() => f.Call(withInit, "init", [0x01]));
        Assert.Contains("init", error.Message);
        Assert.Equal(new byte[] { 0xab }, f.Call(withInit, "read_value").Data);

        // A contract cannot call another's init either: the c import answers Unknown.
        var center = f.Deploy("callcenter");
        Assert.Equal(Contracts.Le(int.MinValue), f.Call(center, "call_init", withInit.ToArray()).Data);
        Assert.Equal(new byte[] { 0xab }, f.Call(withInit, "read_value").Data);
    }

    [Fact]
    public void Init_runs_only_when_an_argument_is_given_even_an_empty_one()
    {
        using var f = new SessionFixture();
        var id = f.Deploy("empty_initializer", initArg: []);
        Assert.Equal(new byte[] { 0x10 }, f.Call(id, "read_value").Data);

        var skipped = f.Deploy("initializer");
        Assert.Equal(new byte[] { 0x50 }, f.Call(skipped, "read_value").Data);
        Assert.Throws<InvalidArgumentException>(() => f.Deploy("counter", initArg: [1]));
    }

    [Fact]
    public void A_failing_init_deploys_nothing()
    {
        using var f = new SessionFixture();
        var root = f.Session.Root;
        // initializer's init requires exactly one byte.
        Assert.ThrowsAny<CallFailedException>(() => f.Deploy("initializer", initArg: [1, 2]));
        Assert.Equal(root, f.Session.Root);
        var id = new ContractId(Hash.Of(Contracts.Bytes("initializer")));
        Assert.Throws<ContractNotFoundException>(() => f.Session.MemoryLength(id));
        Assert.Throws<ContractNotFoundException>(() => f.Call(id, "read_value"));
        // And it can be deployed properly afterwards.
        Assert.Equal(id, f.Deploy("initializer", initArg: [7]));
    }

    [Fact]
    public void Init_out_of_gas_deploys_nothing()
    {
        using var f = new SessionFixture();
        var error = Assert.Throws<OutOfGasException>(() =>
            f.Session.Deploy(Contracts.Bytes("initializer"), new ContractData(Contracts.Owner, new byte[] { 1 }), gasLimit: 3));
        Assert.Equal(3UL, error.GasSpent);
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
    }

    [Fact]
    public void The_owner_is_stored_and_returned_by_the_owner_import()
    {
        using var f = new SessionFixture();
        byte[] owner = Enumerable.Range(0, 96).Select(i => (byte)i).ToArray();
        var id = f.Deploy("metadata", owner: owner);
        Assert.Equal(owner, f.Call(id, "read_owner").Data);
        var other = f.Deploy("counter", owner: [9, 9]);
        Assert.Equal(new byte[] { 9, 9 }, f.Call(id, "read_owner_of", other.ToArray()).Data);
        Assert.Empty(f.Call(id, "read_owner_of", new byte[32]).Data);

        var root = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = root });
        Assert.Equal(owner, next.Call(id, "read_owner", [], Contracts.Gas).Data);
        Assert.Equal(new byte[] { 9, 9 }, next.Call(id, "read_owner_of", other.ToArray(), Contracts.Gas).Data);
    }

    [Fact]
    public void Oversized_owner_or_init_argument_is_refused()
    {
        using var f = new SessionFixture();
        Assert.Throws<InvalidArgumentException>(() => f.Session.Deploy(Contracts.Bytes("counter"), new ContractData(new byte[70_000]), Contracts.Gas));
        Assert.Throws<InvalidArgumentException>(() => f.Session.Deploy(Contracts.Bytes("initializer"), new ContractData(Contracts.Owner, new byte[65_537]), Contracts.Gas));
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
    }

    [Fact]
    public void Every_built_contract_deploys_in_both_flavours()
    {
        using var f = new SessionFixture();
        var names = Directory.GetFiles(Path.Combine(Contracts.Root, "tests", "contracts", "out"), "*.wasm")
            .Select(p => Path.GetFileNameWithoutExtension(p)).Order().ToArray();
        Assert.True(names.Length >= 30, $"only {names.Length} contracts were built");
        foreach (var name in names)
        {
            byte[]? init = name.StartsWith("initializer", StringComparison.Ordinal) ? [1] : null;
            var id = f.Deploy(name, initArg: init);
            Assert.True(f.Session.MemoryLength(id) >= 65536, name);
        }
        foreach (var wat in new[] { "noop.wat", "everything_import.wat", "everything_import64.wat" })
            f.Deploy(wat);
    }
}
