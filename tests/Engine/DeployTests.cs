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
    public void Init_runs_whenever_the_contract_exports_it_with_an_empty_argument_when_none_is_given()
    {
        using var f = new SessionFixture();
        // empty_initializer's init takes no argument and sets 0x10 (0x00 in the data segment).
        var id = f.Deploy("empty_initializer");
        Assert.Equal(new byte[] { 0x10 }, f.Call(id, "read_value").Data);

        // initializer's init panics unless given exactly one byte: deployed without an argument, it runs and fails.
        var panic = Assert.Throws<ContractPanicException>(() => f.Deploy("initializer"));
        Assert.Equal("init: expected 1 byte", panic.PanicMessage);
        Assert.Throws<ContractNotFoundException>(() => f.Session.MemoryLength(new ContractId(Hash.Of(Contracts.Bytes("initializer")))));

        // An init argument for a contract without init is ignored, as piecrust does (a node must accept what the network accepts).
        var counter = f.Deploy("counter", initArg: [1]);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
    }

    [Theory]
    [InlineData("empty_initializer")]
    [InlineData("empty_initializer64")]
    public void The_deploy_receipt_describes_init(string name)
    {
        using var f = new SessionFixture();
        var receipt = f.Session.DeployWithReceipt(Contracts.Bytes(name), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Equal(new ContractId(Hash.Of(Contracts.Bytes(name))), receipt.Id);
        var init = Assert.IsType<CallReceipt>(receipt.Init);
        Assert.Empty(init.Data);
        Assert.Equal(Contracts.Gas, init.GasLimit);
        Assert.InRange(init.GasSpent, 1UL, Contracts.Gas - 1);
        Assert.Equal(receipt.Id, init.CallTree.Contract);
        Assert.Equal("init", init.CallTree.Function);
        Assert.Equal(init.GasSpent, init.CallTree.TotalGasSpent);
        Assert.Empty(init.CallTree.Children);
        Assert.Equal(new byte[] { 0x10 }, f.Call(receipt.Id, "read_value").Data);

        // A contract without init has no init receipt; Deploy returns the same id as the receipt.
        var counter = f.Session.DeployWithReceipt(Contracts.Bytes("counter"), new ContractData(Contracts.Owner), Contracts.Gas);
        Assert.Null(counter.Init);
        Assert.Equal(new ContractId(Hash.Of(Contracts.Bytes("counter"))), counter.Id);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(counter.Id, "read_value").Data));
    }

    [Fact]
    public void The_init_receipt_has_the_events_and_sub_calls_of_init_and_its_gas_matches_a_call()
    {
        using var f = new SessionFixture();
        // The same work as a call and as an init: an init that emits and calls another contract.
        var bytes = Contracts.Wat(InitThatCalls);
        var callee = f.Deploy("counter");
        var first = f.Session.DeployWithReceipt(bytes, new ContractData(Contracts.Owner, callee.ToArray(), new ContractId(Hash.Of("one"u8))), Contracts.Gas);
        var init = first.Init!;
        var ev = Assert.Single(init.Events);
        Assert.Equal("deployed", ev.Topic);
        Assert.Equal(callee.ToArray(), ev.Data);
        Assert.False(ev.Reverted);
        var child = Assert.Single(init.CallTree.Children);
        Assert.Equal(callee, child.Contract);
        Assert.Equal("increment", child.Function);
        Assert.False(child.Failed);
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(callee, "read_value").Data));

        // Its gas is what the same function costs as an ordinary call.
        var again = f.Call(first.Id, "again", callee.ToArray());
        Assert.Equal(again.GasSpent, init.GasSpent);
        Assert.Equal(0xfeUL, BitConverter.ToUInt64(f.Call(callee, "read_value").Data));
    }

    // init(callee id) and again(callee id): both emit "deployed" with the id and call callee.increment().
    private const string InitThatCalls = """
        (module
          (import "env" "c" (func $c (param i32 i32 i32 i32 i64) (result i32)))
          (import "env" "emit" (func $emit (param i32 i32 i32)))
          (memory (export "memory") 2)
          (global (export "A") i32 (i32.const 65536))
          (data (i32.const 0) "deployedincrement")
          (func $work (param $len i32) (result i32)
            ;; keep the callee id at 100 before the argument buffer is reused
            (memory.copy (i32.const 100) (i32.const 65536) (i32.const 32))
            (call $emit (i32.const 0) (i32.const 8) (i32.const 32))
            (drop (call $c (i32.const 100) (i32.const 8) (i32.const 9) (i32.const 0) (i64.const 0)))
            (i32.const 0))
          (func (export "init") (param i32) (result i32) (call $work (local.get 0)))
          (func (export "again") (param i32) (result i32) (call $work (local.get 0))))
        """;

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
