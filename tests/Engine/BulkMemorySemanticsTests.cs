using System.Buffers.Binary;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// The engine does <c>memory.copy</c>, <c>fill</c>, <c>init</c>, <c>grow</c> and <c>data.drop</c> in the
/// host (so they cost a flat 1, see <see cref="GasScheduleTests"/>): each edge case gives the memory
/// and trap that the same module gives with Wasmtime's own operators, for 32- and 64-bit memories.
/// As piecrust 0.32, ranges past the length but inside the maximum size (the width's, 4 GiB or 4 TiB,
/// whatever the module declares) do not trap (the ABI's rule for every access): the reference for
/// copy, fill and init is the module with its memory at that size from the start; for grow, the
/// module as it is (its declared maximum of 3 pages limits growth).
/// </summary>
public sealed class BulkMemorySemanticsTests
{
    // One page; A = 0 covers it, so a call returns the whole memory. The operands come in A[0..24]
    // as three u64 (a 32-bit module reads their low halves); the data segment puts a pattern at 100.
    private static string Module(bool is64, string limits = "1 3")
    {
        string a = is64 ? "i64" : "i32";
        string Operand(int index) => is64 ? $"i64.const {index * 8} i64.load" : $"i32.const {index * 8} i32.load";
        string Low32(int index) => $"{a}.const {index * 8} i32.load";
        return $$"""
            (module
              (memory (export "memory") {{a}} {{limits}})
              (global (export "A") {{a}} ({{a}}.const 0))
              (data ({{a}}.const 100) "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
              (data $passive "passive segment bytes")
              (func (export "copy") (param i32) (result i32) {{Operand(0)}} {{Operand(1)}} {{Operand(2)}} memory.copy i32.const 65536)
              (func (export "fill") (param i32) (result i32) {{Operand(0)}} i32.const 0xAB {{Operand(2)}} memory.fill i32.const 65536)
              (func (export "init_passive") (param i32) (result i32) {{Operand(0)}} {{Low32(1)}} {{Low32(2)}} memory.init $passive i32.const 65536)
              (func (export "init_dropped") (param i32) (result i32) data.drop $passive {{Operand(0)}} {{Low32(1)}} {{Low32(2)}} memory.init $passive i32.const 65536)
              (func (export "init_active") (param i32) (result i32) {{Operand(0)}} {{Low32(1)}} {{Low32(2)}} memory.init 0 i32.const 65536)
              (func (export "grow") (param i32) (result i32) {{a}}.const 0 {{Operand(0)}} memory.grow {{a}}.store i32.const 65536))
            """;
    }

    private static readonly ulong[][] CopyCases =
    [
        [200, 100, 40], [110, 100, 40], [90, 100, 40], [100, 100, 40], [0, 100, 0], [65536, 100, 0], [100, 65536, 0],
        [65500, 100, 36], [65500, 100, 37], [100, 65530, 6], [100, 65530, 7], [65537, 0, 0], [0, 65537, 0],
        [0, 0, 65536], [1, 0, 65535], [0, 1, 65535], [0, 0, 65537], [0xFFFF_FFFF, 0, 1], [0, 0xFFFF_FFFF, 2], [0xFFFF_FFFF, 0, 2],
        [(1UL << 42) - 8, 0, 8], [(1UL << 42) - 8, 0, 9], [0, (1UL << 42) - 8, 9], // the maximum (a 32-bit module's low halves: 4 GiB)
        [196572, 100, 36], [196572, 100, 37], [100, 196600, 8], [100, 196600, 9], [0, 0, 196608], [1, 0, 196608],
    ];

    private static readonly ulong[][] FillCases =
    [
        [100, 0, 30], [0, 0, 65536], [65536, 0, 0], [65537, 0, 0], [65535, 0, 1], [65535, 0, 2], [0xFFFF_FFFF, 0, 2],
        [196607, 0, 1], [196607, 0, 2], [196608, 0, 0], [196609, 0, 0], [(1UL << 42) - 8, 0, 8], [(1UL << 42) - 8, 0, 9],
    ];

    private static readonly ulong[][] InitCases =
    [
        [300, 0, 21], [300, 5, 16], [300, 21, 0], [300, 22, 0], [300, 5, 17], [65536, 0, 0], [65530, 0, 7], [65530, 0, 6],
        [0, 0, 0], [0, 1, 0], [0xFFFF_FFFF, 0, 1], [196600, 0, 8], [196600, 0, 9],
    ];

    private static readonly ulong[][] GrowCases = [[0], [1], [2], [3], [0xFFFF_FFFF], [0x1_0000_0000]];

    private static IEnumerable<(string Function, ulong[] Operands)> Cases()
    {
        foreach (var c in CopyCases) yield return ("copy", c);
        foreach (var c in FillCases) yield return ("fill", c);
        foreach (var c in InitCases)
        {
            yield return ("init_passive", c);
            yield return ("init_dropped", c);
            yield return ("init_active", c);
        }
        foreach (var c in GrowCases) yield return ("grow", c);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_host_operators_match_Wasmtime_exactly(bool is64)
    {
        var bytecode = Contracts.Wat(Module(is64));
        using var engine = new Wasmtime.Engine(new Wasmtime.Config().WithMemory64(true).WithBulkMemory(true));
        using var native = Wasmtime.Module.FromText(engine, "native", Module(is64));
        using var nativeAtMaximum = Wasmtime.Module.FromText(engine, "native at maximum", Module(is64, is64 ? "67108864 67108864" : "65536 65536"));
        foreach (var path in new[] { MemoryPath.Mapped, MemoryPath.Plain })
        {
            using var vm = VM.Ephemeral(new VMOptions { Memory = path });
            using var session = vm.Session();
            int n = 0;
            foreach (var (function, raw) in Cases())
            {
                var operands = is64 ? raw : raw.Select(o => (ulong)(uint)o).ToArray();
                var argument = new byte[24];
                for (int i = 0; i < operands.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(argument.AsSpan(8 * i), operands[i]);
                var expected = Native(engine, function == "grow" ? native : nativeAtMaximum, function, argument);
                // A fresh contract per case (the module compiles once): every case starts from the data segments.
                var id = session.Deploy(bytecode, new ContractData(Contracts.Owner, default, new ContractId(Hash.Of(BitConverter.GetBytes(n++)))), Contracts.Gas);
                byte[]? actual;
                try
                {
                    actual = session.Call(id, function, argument, Contracts.Gas).Data;
                }
                catch (ContractTrapException e)
                {
                    Assert.Contains("out-of-bounds memory access", e.Message);
                    actual = null;
                }
                string what = $"{function}({string.Join(", ", operands)}) on {path}, {(is64 ? 64 : 32)}-bit";
                Assert.True(expected is null == actual is null, $"{what}: Wasmtime {(expected is null ? "traps" : "does not trap")}, the engine {(actual is null ? "traps" : "does not")}");
                if (expected is not null) Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}: the memory differs from Wasmtime's");
            }
        }
    }

    /// <summary>The first page after the call under Wasmtime alone (its own bulk operators), or null when it traps.</summary>
    private static byte[]? Native(Wasmtime.Engine engine, Wasmtime.Module module, string function, byte[] argument)
    {
        using var store = new Wasmtime.Store(engine);
        var instance = new Wasmtime.Instance(store, module);
        var memory = instance.GetMemory("memory")!;
        memory.GetSpan(0, argument.Length).Clear();
        argument.CopyTo(memory.GetSpan(0, argument.Length));
        try
        {
            instance.GetFunction<int, int>(function)!(argument.Length);
        }
        catch (Wasmtime.TrapException)
        {
            return null;
        }
        return memory.GetSpan(0, 65536).ToArray();
    }
}
