using Piecrust.Bench.Engine;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// The module limits of <see cref="VMOptions"/>: a module at a limit deploys, one unit over it is
/// refused with <see cref="InvalidModuleException"/> naming the limit and its option, before any
/// compilation, and the refusal changes nothing. Limits hold for deploy, migrate and stored bytecode.
/// </summary>
public sealed class ModuleLimitTests
{
    private static readonly VMOptions Defaults = new();

    /// <summary>Deploys under <paramref name="options"/>; null when it deployed, else the refusal (after checking the root did not move).</summary>
    private static InvalidModuleException? Deploy(byte[] module, VMOptions options)
    {
        using var f = new SessionFixture(options);
        var root = f.Session.Root;
        try
        {
            var id = f.Session.Deploy(module, new ContractData(Contracts.Owner), Contracts.Gas);
            Assert.Empty(f.Call(id, "f", Contracts.Le(0)).Data); // "f" returns 0: an empty result
            return null;
        }
        catch (InvalidModuleException e)
        {
            Assert.Equal(root, f.Session.Root);
            Assert.Equal(0, f.Vm.ModulesCompiled); // refused before compilation
            return e;
        }
    }

    private static void AtAndOver(byte[] module, int count, string option, Func<VMOptions, int, VMOptions> withLimit, string what)
    {
        Assert.Null(Deploy(module, withLimit(Defaults, count)));
        var refused = Deploy(module, withLimit(Defaults, count - 1));
        Assert.NotNull(refused);
        Assert.StartsWith("Invalid contract module:", refused.Message);
        Assert.Contains($"VMOptions.{option}", refused.Message);
        Assert.Contains(what, refused.Message);
        Assert.Contains($"over the limit of {count - 1:N0}", refused.Message);
    }

    [Fact]
    public void A_module_at_the_size_limit_deploys_and_one_byte_over_is_refused()
    {
        var module = GeneratedModule.Build("functions", 3);
        AtAndOver(module, module.Length, nameof(VMOptions.MaxModuleSize), (o, n) => o with { MaxModuleSize = n }, $"it is {module.Length:N0} bytes");
    }

    [Fact]
    public void A_module_at_the_function_limit_deploys_and_one_more_function_is_refused() =>
        AtAndOver(GeneratedModule.Build("functions", 40), 40, nameof(VMOptions.MaxFunctions), (o, n) => o with { MaxFunctions = n }, "it defines 40 functions");

    [Fact]
    public void A_body_at_the_size_limit_deploys_and_one_byte_over_is_refused() =>
        // Every body of this shape is 4 bytes: no locals, i32.const 0, end.
        AtAndOver(GeneratedModule.Build("functions", 2), 4, nameof(VMOptions.MaxFunctionBodySize), (o, n) => o with { MaxFunctionBodySize = n }, "is 4 bytes");

    [Fact]
    public void A_module_at_the_data_segment_limit_deploys_and_one_more_segment_is_refused() =>
        AtAndOver(GeneratedModule.Build("data", 50), 50, nameof(VMOptions.MaxDataSegments), (o, n) => o with { MaxDataSegments = n }, "it has 50 data segments");

    [Fact]
    public void A_function_at_the_control_instruction_limit_deploys_and_one_more_is_refused()
    {
        // One function of 30 calls; a loop with its br_if counts two, each br_table target one more.
        AtAndOver(GeneratedModule.Build("calls", 30), 30, nameof(VMOptions.MaxFunctionControlInstructions),
            (o, n) => o with { MaxFunctionControlInstructions = n }, "function 0 has 30 control instructions");
        AtAndOver(GeneratedModule.Build("loops", 15), 30, nameof(VMOptions.MaxFunctionControlInstructions),
            (o, n) => o with { MaxFunctionControlInstructions = n }, "function 0 has 30 control instructions");
        // A block (one) and a br_table of 28 targets and its default (29).
        AtAndOver(GeneratedModule.Build("br_table", 28), 30, nameof(VMOptions.MaxFunctionControlInstructions),
            (o, n) => o with { MaxFunctionControlInstructions = n }, "function 0 has 30 control instructions");
    }

    [Fact]
    public void A_module_at_the_control_instruction_limit_deploys_and_one_more_is_refused() =>
        // Three functions of 1,000 calls each.
        AtAndOver(GeneratedModule.Build("calls-spread", 3), 3000, nameof(VMOptions.MaxControlInstructions),
            (o, n) => o with { MaxControlInstructions = n }, "it has 3,000 control instructions");

    [Fact]
    public void A_module_with_100000_data_segments_is_refused_by_the_default_data_segment_limit()
    {
        var module = GeneratedModule.Build("data", 100_000);
        Assert.True(module.Length < Defaults.MaxModuleSize); // so the segment count is what refuses it
        var refused = Deploy(module, Defaults);
        Assert.NotNull(refused);
        Assert.Contains("it has 100,000 data segments", refused.Message);
        Assert.Contains("VMOptions.MaxDataSegments", refused.Message);
    }

    [Fact]
    public void A_module_with_as_many_data_segments_as_the_default_allows_deploys_with_its_data()
    {
        int count = Defaults.MaxDataSegments;
        using var f = new SessionFixture();
        var id = f.Session.Deploy(GeneratedModule.Build("data", count), new ContractData(Contracts.Owner), Contracts.Gas);
        // Segment i writes the byte i (mod 256) at 65536 + i: page 16 onwards.
        for (int i = 0; i < count; i += 4096)
        {
            var page = f.Session.ReadPage(id, 16 + (ulong)(i / 4096));
            for (int j = 0; j < Math.Min(4096, count - i); j++) Assert.Equal((byte)(i + j), page[j]);
        }
    }

    [Fact]
    public void Modules_over_each_default_limit_are_refused_naming_it()
    {
        (byte[] Module, string Option)[] cases =
        [
            ([.. GeneratedModule.Build("functions", 1), .. CustomSection(Defaults.MaxModuleSize)], nameof(VMOptions.MaxModuleSize)),
            (GeneratedModule.Build("functions", Defaults.MaxFunctions + 1), nameof(VMOptions.MaxFunctions)),
            (GeneratedModule.Build("straight", Defaults.MaxFunctionBodySize / 10), nameof(VMOptions.MaxFunctionBodySize)),
            (GeneratedModule.Build("data", Defaults.MaxDataSegments + 1), nameof(VMOptions.MaxDataSegments)),
            (GeneratedModule.Build("calls", Defaults.MaxFunctionControlInstructions + 1), nameof(VMOptions.MaxFunctionControlInstructions)),
            (GeneratedModule.Build("calls-spread", Defaults.MaxControlInstructions / 1000 + 1), nameof(VMOptions.MaxControlInstructions)),
        ];
        foreach (var (module, option) in cases)
        {
            var refused = Deploy(module, Defaults);
            Assert.NotNull(refused);
            Assert.Contains($"VMOptions.{option}", refused.Message);
        }
    }

    [Fact]
    public void The_real_contracts_deploy_with_every_module_limit_halved()
    {
        var halved = Defaults with
        {
            MaxModuleSize = Defaults.MaxModuleSize / 2,
            MaxFunctions = Defaults.MaxFunctions / 2,
            MaxFunctionBodySize = Defaults.MaxFunctionBodySize / 2,
            MaxDataSegments = Defaults.MaxDataSegments / 2,
            MaxControlInstructions = Defaults.MaxControlInstructions / 2,
            MaxFunctionControlInstructions = Defaults.MaxFunctionControlInstructions / 2,
        };
        using var f = new SessionFixture(halved);
        foreach (var name in new[] { "alice", "bob", "charlie", "host_fn" })
            f.Session.Deploy(Contracts.Uplink(name), new ContractData(Contracts.Owner, name == "bob" ? new byte[] { 7 } : default), Contracts.Gas);
        foreach (var name in new[] { "counter", "counter64", "callcenter", "box64" })
            f.Deploy(name);
    }

    [Fact]
    public void A_migration_to_a_module_over_a_limit_is_refused_and_changes_nothing()
    {
        using var f = new SessionFixture(Defaults with { MaxFunctions = 10 });
        var id = f.Deploy("counter");
        var root = f.Session.Root;
        var refused = Assert.Throws<InvalidModuleException>(() => f.Session.Migrate(id, GeneratedModule.Build("functions", 11)));
        Assert.Contains("VMOptions.MaxFunctions", refused.Message);
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(id, "read_value").Data));
    }

    [Fact]
    public void Stored_bytecode_over_a_limit_of_the_opening_vm_is_refused_when_loaded()
    {
        string directory = Storage.StoreFixture.TempDirectory();
        try
        {
            ContractId id;
            Hash root;
            using (var vm = TestVM.Open(directory))
            using (var session = vm.Session())
            {
                id = session.Deploy(GeneratedModule.Build("functions", 20), new ContractData(Contracts.Owner), Contracts.Gas);
                root = session.Commit();
            }
            using (var vm = TestVM.Open(directory, new VMOptions { MaxFunctions = 19 }))
            using (var session = vm.Session(new SessionData { Base = root }))
            {
                var refused = Assert.Throws<InvalidModuleException>(() => session.Call(id, "f", Contracts.Le(0), Contracts.Gas));
                Assert.Contains("VMOptions.MaxFunctions", refused.Message);
                Assert.Equal(nameof(VMOptions.MaxFunctions), refused.LimitOption); // configuration, not a corrupt store
                Assert.Equal(root, session.Root);
            }
            using (var vm = TestVM.Open(directory))
            using (var session = vm.Session(new SessionData { Base = root }))
                Assert.Empty(session.Call(id, "f", Contracts.Le(0), Contracts.Gas).Data);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_limit_that_is_not_positive_is_refused_when_the_vm_opens()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VM.Ephemeral(new VMOptions { MaxDataSegments = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => VM.Ephemeral(new VMOptions { MaxModuleSize = -1 }));
    }

    /// <summary>A custom section named "x" whose whole encoding is <paramref name="size"/> bytes or a few more.</summary>
    private static byte[] CustomSection(int size)
    {
        var payload = new byte[size];
        payload[0] = 1;
        payload[1] = (byte)'x';
        var leb = new List<byte>();
        uint value = (uint)payload.Length;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            leb.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [0x00, .. leb, .. payload];
    }
}
