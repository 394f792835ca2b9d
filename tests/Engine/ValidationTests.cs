using Xunit;

namespace Piecrust.Tests.Engine;

public sealed class ValidationTests
{
    public static TheoryData<string, string> InvalidModules => new()
    {
        { "start_function", "start function" },
        { "memory_not_exported", "does not export its memory" },
        { "no_memory", "exactly one memory" },
        { "imported_memory", "imported" },
        { "bad_function_type", "(i32) -> i32" },
        { "no_A", "'A'" },
        { "mutable_A", "immutable" },
        { "A_wrong_type", "immutable i32" },
        { "A_out_of_range", "64 KiB" },
        { "A_beyond_max", "64 KiB" },
        { "unknown_import", "not a host function" },
        { "wrong_import_flavour", "32-bit contract's 'c'" },
        { "wrong_import_flavour64", "64-bit contract's 'hd'" },
    };

    [Theory]
    [MemberData(nameof(InvalidModules))]
    public void Modules_breaking_an_abi_rule_are_refused_naming_the_rule(string name, string rule)
    {
        using var f = new SessionFixture();
        var error = Assert.Throws<InvalidModuleException>(() => f.Deploy(Path.Combine("invalid", name + ".wat")));
        Assert.Contains(rule, error.Message);
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
    }

    [Fact]
    public void Text_that_is_not_wat_does_not_even_convert()
    {
        Assert.ThrowsAny<Exception>(() => Contracts.Bytes(Path.Combine("invalid", "not_wat.wat")));
    }

    [Fact]
    public void Garbage_truncated_and_bit_flipped_bytecode_is_refused_with_a_typed_error()
    {
        using var f = new SessionFixture();
        var counter = Contracts.Bytes("counter");
        var inputs = new List<byte[]> { Array.Empty<byte>(), new byte[] { 0, 1, 2, 3 }, "\0asm"u8.ToArray(), counter[..(counter.Length / 2)], counter[..8] };
        var random = new Random(7);
        for (int i = 0; i < 40; i++)
        {
            var flipped = (byte[])counter.Clone();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            inputs.Add(flipped);
        }
        int refused = 0;
        foreach (var bytes in inputs)
        {
            try
            {
                f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas);
            }
            catch (InvalidModuleException e)
            {
                Assert.StartsWith("Invalid contract module:", e.Message);
                refused++;
            }
            catch (ContractAlreadyExistsException) { }
            catch (CallFailedException) { }
        }
        Assert.True(refused >= 5, $"only {refused} of {inputs.Count} damaged modules were refused");
    }

    [Fact]
    public void A_module_with_two_memories_is_refused()
    {
        using var f = new SessionFixture();
        // Multi-memory is off in the engine's config, so the WAT is assembled by hand-tweaking a one-memory module is not possible;
        // Wasmtime's text converter accepts it and the engine must refuse it.
        var bytes = Contracts.Wat("""
            (module (memory (export "memory") 1) (memory 1)
              (global (export "A") i32 (i32.const 0))
              (func (export "f") (param i32) (result i32) i32.const 0))
            """);
        var error = Assert.Throws<InvalidModuleException>(() => f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas));
        Assert.Contains("memor", error.Message);
    }

    [Fact]
    public void A_data_segment_beyond_the_initial_memory_is_refused()
    {
        using var f = new SessionFixture();
        var bytes = Contracts.Wat("""
            (module (memory (export "memory") 1)
              (global (export "A") i32 (i32.const 0))
              (data (i32.const 65530) "0123456789")
              (func (export "f") (param i32) (result i32) i32.const 0))
            """);
        var error = Assert.Throws<InvalidModuleException>(() => f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas));
        Assert.Contains("data segment", error.Message);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("bob")]
    [InlineData("charlie")]
    [InlineData("host_fn")]
    public void Real_uplink_contracts_validate(string name)
    {
        using var f = new SessionFixture();
        // bob's init needs its u8 (init runs at every deploy, as in piecrust ≥ 0.31).
        var id = f.Session.Deploy(Contracts.Uplink(name), new ContractData(Contracts.Owner, name == "bob" ? new byte[] { 7 } : default), Contracts.Gas);
        if (name == "bob") Assert.True(f.Session.MemoryLength(id) >= 3UL * 65536); // its init may grow the heap
        else Assert.Equal(3UL * 65536, f.Session.MemoryLength(id));
    }
}
