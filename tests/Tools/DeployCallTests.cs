using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Tools;

public sealed class DeployCallTests
{
    [Fact]
    public void Deploy_accepts_wat_and_prints_the_contract_and_the_new_root()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        Assert.Equal(new ContractId(Hash.Of(Piecrust.Tools.DemoContract.Bytecode())), id);
        using var vm = VM.Open(cli.Store);
        Assert.Equal([root], vm.Commits);
        Assert.Equal(0xfcUL, Maintenance.CounterState.ReadCounter(vm, root, id));
    }

    [Fact]
    public void Deploy_accepts_a_binary_with_init_id_and_base()
    {
        using var cli = new Cli();
        var (_, first) = cli.DeployCounter();
        string wasm = cli.PathOf("initializer.wasm");
        File.WriteAllBytes(wasm, Contracts.Bytes("initializer"));
        var id = new ContractId(Hash.Of([7]));
        var deploy = cli.Run("deploy", wasm, "--owner", "0xff", "--init", "2a", "--id", id.ToString(), "--base", first.ToString(), "--gas", "10000000");
        deploy.AssertOk();
        Assert.Equal(id.ToString(), deploy.Field("contract"));

        var read = cli.Run("call", id.ToString(), "read_value");
        read.AssertOk();
        Assert.Contains("2a", read.Lines.First(l => l.Contains("result")));
    }

    [Fact]
    public void Deploy_init_argument_can_come_from_a_file()
    {
        using var cli = new Cli();
        string wasm = cli.PathOf("initializer.wasm");
        File.WriteAllBytes(wasm, Contracts.Bytes("initializer"));
        File.WriteAllBytes(cli.PathOf("init.bin"), [0x33]);
        var id = ContractId.Parse(cli.Run("deploy", wasm, "--owner", "01", "--init", "@" + cli.PathOf("init.bin")).Field("contract"));
        Assert.Contains("33", cli.Run("call", id.ToString(), "read_value").Lines.First(l => l.Contains("result")));
    }

    [Fact]
    public void Deploy_rejects_bad_input_and_writes_nothing()
    {
        using var cli = new Cli();
        string wat = cli.PathOf("counter.wat");
        File.WriteAllText(wat, Piecrust.Tools.DemoContract.Wat());

        cli.Run("deploy", cli.PathOf("missing.wasm"), "--owner", "01").AssertError("cannot read");
        cli.Run("deploy", wat).AssertError("--owner is required");
        cli.Run("deploy", wat, "--owner", "0g").AssertError("not hex bytes");
        cli.Run("deploy", wat, "--owner", "01", "--id", "12").AssertError("not a contract id");
        cli.Run("deploy", wat, "--owner", "01", "--base", Hash.Of([3]).ToString()).AssertError("No commit with root");
        cli.Run("deploy", wat, "--owner", "01", "--gas", "-5").AssertError("not a non-negative integer");

        string noA = cli.PathOf("no_a.wat");
        File.WriteAllText(noA, "(module (memory (export \"memory\") 1))");
        cli.Run("deploy", noA, "--owner", "01").AssertError("does not export the argument buffer global 'A'");
        string broken = cli.PathOf("broken.wat");
        File.WriteAllText(broken, "(module (func");
        cli.Run("deploy", broken, "--owner", "01").AssertError("is not valid WAT");
        string junk = cli.PathOf("junk.bin");
        File.WriteAllBytes(junk, [1, 2, 3, 4]);
        cli.Run("deploy", junk, "--owner", "01").AssertError("neither a WebAssembly binary");

        using var vm = VM.Open(cli.Store);
        Assert.Empty(vm.Commits);
    }

    [Fact]
    public void Deploying_the_same_contract_twice_is_refused()
    {
        using var cli = new Cli();
        cli.DeployCounter();
        string wat = cli.PathOf("counter.wat");
        cli.Run("deploy", wat, "--owner", "01").AssertError("already");
    }

    [Fact]
    public void Call_prints_result_and_gas_and_commits_only_when_asked()
    {
        using var cli = new Cli();
        var (id, first) = cli.DeployCounter();
        var read = cli.Run("call", id.ToString(), "read_value");
        read.AssertOk();
        Assert.Contains("fc00000000000000", read.Output);
        Assert.Contains("252 (0xfc)", read.Output);
        Assert.Contains("gas", read.Output);

        var increment = cli.Run("call", id.ToString(), "increment");
        increment.AssertOk();
        Assert.DoesNotContain("root ", increment.Output);
        Assert.Contains("fc00000000000000", cli.Run("call", id.ToString(), "read_value").Output); // not committed

        var committed = cli.Run("call", id.ToString(), "increment", "--commit");
        var second = Hash.Parse(committed.Field("root"));
        Assert.NotEqual(first, second);
        Assert.Contains("fd00000000000000", cli.Run("call", id.ToString(), "read_value").Output);
        Assert.Contains("fc00000000000000", cli.Run("call", id.ToString(), "read_value", "--base", first.ToString()).Output);
    }

    [Fact]
    public void Call_prints_events_as_a_table()
    {
        using var cli = new Cli();
        string wasm = cli.PathOf("eventer.wasm");
        File.WriteAllBytes(wasm, Contracts.Bytes("eventer"));
        var id = ContractId.Parse(cli.Run("deploy", wasm, "--owner", "01").Field("contract"));
        var call = cli.Run("call", id.ToString(), "emit_events", "--arg", "03000000");
        call.AssertOk();
        var rows = call.Lines.Where(l => l.Contains("number")).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Contains("02000000", rows[2]);
    }

    [Fact]
    public void Call_failures_are_one_line_errors_with_gas()
    {
        using var cli = new Cli();
        string wasm = cli.PathOf("counter.wasm");
        File.WriteAllBytes(wasm, Contracts.Bytes("counter"));
        var id = ContractId.Parse(cli.Run("deploy", wasm, "--owner", "01").Field("contract"));

        cli.Run("call", id.ToString(), "increment_fallible", "--arg", "01").AssertError("the contract panicked: Incremental panic");
        cli.Run("call", id.ToString(), "read_value", "--gas", "3").AssertError("gas spent 3");
        cli.Run("call", id.ToString(), "nosuch").AssertError("no exported function 'nosuch'");
        cli.Run("call", Hash.Of([5]).ToString(), "read_value").AssertError("No contract");
        cli.Run("call", id.ToString(), "read_value", "--arg", "abc").AssertError("not hex bytes");
        cli.Run("call", id.ToString(), "read_value", "--arg", "@" + cli.PathOf("nope")).AssertError("cannot read");
        cli.Run("call", "zz", "read_value").AssertError("not a contract id");
    }
}
