using System.Buffers.Binary;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Fixed-width SIMD (v128) runs, as in piecrust 0.32, with canonical NaNs in every lane and its stores priced at 64.</summary>
public sealed class SimdTests
{
    // A[0..16] = i32x4.add(A[0..16], A[16..32]); A[16..32] = f32x4.div(0, 0); A[32..48] = f64x2.sqrt(-1, -2);
    // A[48..64] = f32x4.add(A[48..64], 1): the argument's NaNs there have payloads and sign bits.
    private const string Module = """
        (module
          (memory (export "memory") 1)
          (global (export "A") i32 (i32.const 0))
          (func (export "simd") (param i32) (result i32)
            i32.const 0 i32.const 0 v128.load i32.const 16 v128.load i32x4.add v128.store
            i32.const 16 v128.const f32x4 0 0 0 0 v128.const f32x4 0 0 0 0 f32x4.div v128.store
            i32.const 32 v128.const f64x2 -1 -2 f64x2.sqrt v128.store
            i32.const 48 i32.const 48 v128.load v128.const f32x4 1 1 1 1 f32x4.add v128.store
            i32.const 64))
        """;

    [Fact]
    public void A_SIMD_contract_gives_the_same_results_and_gas_on_both_memory_paths_with_canonical_NaNs()
    {
        var argument = new byte[64];
        uint[] lanes = [1, 2, 3, 4, 10, 20, 30, 40];
        for (int i = 0; i < lanes.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(argument.AsSpan(4 * i), lanes[i]);
        uint[] nans = [0x7FA00001, 0xFFC00000, 0x7FC12345, 0xFF800001];
        for (int i = 0; i < nans.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(argument.AsSpan(48 + 4 * i), nans[i]);

        foreach (var path in new[] { MemoryPath.Mapped, MemoryPath.Plain })
        {
            using var vm = VM.Ephemeral(new VMOptions { Memory = path });
            using var session = vm.Session();
            var id = session.Deploy(Contracts.Wat(Module), new ContractData(Contracts.Owner), Contracts.Gas);
            var receipt = session.Call(id, "simd", argument, Contracts.Gas);
            var data = receipt.Data;
            Assert.Equal(64, data.Length);
            for (int i = 0; i < 4; i++) Assert.Equal(11u * (uint)(i + 1), BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4 * i)));
            // The canonical NaNs: positive, quiet, no payload (x86 would give 0xFFC00000 for 0/0 and keep payloads).
            for (int i = 0; i < 4; i++) Assert.Equal(0x7FC00000u, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(16 + 4 * i)));
            for (int i = 0; i < 2; i++) Assert.Equal(0x7FF8000000000000UL, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(32 + 8 * i)));
            for (int i = 0; i < 4; i++) Assert.Equal(0x7FC00000u, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(48 + 4 * i)));
            // entry 1, then per line:
            // i32.const, i32.const, v128.load, i32.const, v128.load, i32x4.add = 6, + store 64 = 70
            // i32.const, v128.const, v128.const, f32x4.div = 4, + 64 = 68
            // i32.const, v128.const, f64x2.sqrt = 3, + 64 = 67
            // i32.const, i32.const, v128.load, v128.const, f32x4.add = 5, + 64 = 69; then i32.const 1
            Assert.Equal(1 + 70 + 68 + 67 + 69 + 1UL, receipt.GasSpent);
        }
    }

    [Fact]
    public void Relaxed_SIMD_is_refused_at_deploy()
    {
        using var f = new SessionFixture();
        var relaxed = Contracts.Wat("""
            (module
              (memory (export "memory") 1)
              (global (export "A") i32 (i32.const 0))
              (func (export "f") (param i32) (result i32)
                i32.const 0 v128.const i32x4 1 2 3 4 v128.const i32x4 1 2 3 4 i8x16.relaxed_swizzle v128.store i32.const 16))
            """);
        var error = Assert.Throws<InvalidModuleException>(() => f.Session.Deploy(relaxed, new ContractData(Contracts.Owner), Contracts.Gas));
        Assert.Contains("deterministic configuration", error.Message);
    }
}
