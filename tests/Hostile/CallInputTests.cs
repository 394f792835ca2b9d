using System.Text;
using Piecrust.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Hostile arguments at the API and through the ABI: oversized arguments, owners, init arguments and
/// metadata, calls of <c>init</c>, strange function names, unknown contracts and host queries. Each
/// is refused with a typed error and leaves the session's root as it was.
/// </summary>
public sealed class CallInputTests(ITestOutputHelper output)
{
    [Fact]
    public void Oversized_arguments_owners_init_arguments_and_metadata_are_refused()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var initializer = Contracts.Bytes("initializer");
        var root = f.Session.Root;
        int tried = 0;
        foreach (int size in new[] { Session.MaxArgumentSize + 1, 100_000, 1 << 20, 16 << 20 })
        {
            var big = new byte[size];
            Assert.Contains(size.ToString(), Corpus.Fails<InvalidArgumentException>(() => f.Session.Call(counter, "read_value", big, Contracts.Gas), $"call argument of {size} bytes").Message);
            Corpus.Fails<InvalidArgumentException>(() => f.Session.FeederCall(counter, "read_value", big, Contracts.Gas, _ => { }), $"feeder argument of {size} bytes");
            Corpus.Fails<InvalidArgumentException>(() => f.Session.Deploy(initializer, new ContractData(Contracts.Owner, big), Contracts.Gas), $"init argument of {size} bytes");
            Corpus.Fails<InvalidArgumentException>(() => f.Session.SetMeta("k", big), $"metadata value of {size} bytes");
            tried += 4;
        }
        foreach (int size in new[] { ushort.MaxValue + 1, 1 << 20 })
        {
            Corpus.Fails<InvalidArgumentException>(() => f.Session.Deploy(initializer, new ContractData(new byte[size]), Contracts.Gas), $"owner of {size} bytes");
            tried++;
        }
        Assert.Equal(root, f.Session.Root);
        // The largest legal argument still works.
        Assert.Equal(Contracts.Le(0xfcUL), f.Call(counter, "read_value", new byte[Session.MaxArgumentSize]).Data);
        Corpus.Count("oversized argument, owner or metadata", tried);
        output.WriteLine($"{tried} oversized inputs refused");
    }

    [Fact]
    public void Init_can_never_be_called()
    {
        using var f = new SessionFixture();
        var initializer = f.Deploy("initializer", [0xab]);
        var center = f.Deploy("callcenter");
        var counter = f.Deploy("counter");
        int tried = 0;
        foreach (var target in new[] { initializer, counter, center, new ContractId(Hash.Of("nobody"u8)) })
        {
            var root = f.Session.Root;
            Assert.Contains("init", Corpus.Fails<InvalidArgumentException>(() => f.Session.Call(target, "init", [0xcd], Contracts.Gas), "init from the host").Message);
            Assert.Equal(root, f.Session.Root);
            // From a contract: the Unknown code, and the caller goes on.
            Assert.Equal(Contracts.Le(int.MinValue), f.Call(center, "call_init", target.ToArray()).Data);
            tried += 2;
        }
        // An init argument for a contract without init is ignored, as piecrust ≥ 0.31 does; init still cannot be called.
        var noInit = f.Session.DeployWithReceipt(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, new byte[] { 1 }, new ContractId(Hash.Of("x"u8))), Contracts.Gas);
        Assert.Null(noInit.Init);
        Corpus.Fails<InvalidArgumentException>(() => f.Session.Call(noInit.Id, "init", [1], Contracts.Gas), "init of a contract deployed with an ignored init argument");
        tried++;
        Assert.Equal(new byte[] { 0xab }, f.Call(initializer, "read_value").Data);
        Corpus.Count("call of init", tried);
    }

    [Fact]
    public void Unknown_contracts_and_strange_function_names_are_refused()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var root = f.Session.Root;
        string[] names = ["", " ", "nope", "read_value ", "READ_VALUE", "read_value\0", "\0", "memory", "A", "💥", new string('x', 1 << 16), "\u0000piecrust_global_0"];
        foreach (var name in names)
            Corpus.Fails<FunctionNotFoundException>(() => f.Session.Call(counter, name, [], Contracts.Gas), $"function '{name[..Math.Min(name.Length, 20)]}'");
        var strangers = new[] { default(ContractId), new ContractId(Hash.Of("stranger"u8)), ContractId.FromBytes(Enumerable.Repeat((byte)0xFF, 32).ToArray()) };
        foreach (var id in strangers)
        {
            Corpus.Fails<ContractNotFoundException>(() => f.Session.Call(id, "read_value", [], Contracts.Gas), $"contract {id}");
            Corpus.Fails<ContractNotFoundException>(() => f.Session.MemoryLength(id), $"memory of {id}");
            Corpus.Fails<ContractNotFoundException>(() => f.Session.ReadPage(id, 0), $"page of {id}");
            Corpus.Fails<ContractNotFoundException>(() => f.Session.Migrate(id, Contracts.Bytes("counter")), $"migrate {id}");
        }
        Assert.Equal(root, f.Session.Root);
        Corpus.Count("unknown contract or function name", names.Length + 4 * strangers.Length);
    }

    [Fact]
    public void Unknown_and_malformed_host_query_names_trap()
    {
        using var f = new SessionFixture();
        var host = f.Deploy("host");
        var imports = f.Deploy("everything_import.wat");
        var root = f.Session.Root;
        int tried = 0;
        Assert.Contains("unknown_query", Corpus.Fails<ContractTrapException>(() => f.Call(host, "host_unknown", [1, 2, 3]), "host_unknown").Message);
        tried++;
        // host_query: [u32 name_len][name][arg].
        foreach (var name in new[] { "", "hash", "very_expensive", "\0", "x\0y", "💥", new string('q', 256) })
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var error = Corpus.Fails<ContractTrapException>(() => f.Call(host, "host_query", Contracts.Cat(Contracts.Le((uint)bytes.Length), bytes, [1])), $"host query '{name[..Math.Min(name.Length, 20)]}'");
            Assert.Contains("unknown host query", error.Message);
            tried++;
        }
        // Names that are not UTF-8, through the raw import: store them at 0x300, then hq(0x300, len, 0).
        foreach (var raw in new byte[][] { [0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80] })
        {
            f.Call(imports, "store", Contracts.Cat(Contracts.Le(0x300UL), raw, new byte[8]));
            var error = Corpus.Fails<ContractTrapException>(() => f.Call(imports, "call_hq", Contracts.Cat(Contracts.Le(0x300UL), Contracts.Le((uint)raw.Length), Contracts.Le(0u))), $"host query name {Convert.ToHexString(raw)}");
            Assert.Contains("UTF-8", error.Message);
            tried++;
        }
        Assert.NotEqual(root, f.Session.Root); // the stores above changed the memory; the failed calls did not
        var after = f.Session.Root;
        Corpus.Fails<ContractTrapException>(() => f.Call(host, "host_unknown"), "host_unknown again");
        Assert.Equal(after, f.Session.Root);
        Corpus.Count("unknown or malformed host query", tried);
    }
}
