using System.Globalization;
using Piecrust.Storage;

namespace Piecrust.Bench.Engine;

/// <summary>
/// The contract the engine benchmarks run, as WAT: a memory of a chosen size with the argument
/// buffer at 0 and functions that touch, dirty or fill its pages. Compiled by Wasmtime from text,
/// so the benchmarks need no toolchain.
/// </summary>
public static class BenchContract
{
    /// <summary>The module's text for a memory of <paramref name="wasmPages"/> 64 KiB pages.</summary>
    public static string Wat(int wasmPages) => """
        (module
          (memory (export "memory") PAGES)
          (global (export "A") i32 (i32.const 0))
          ;; () -> ()
          (func (export "noop") (param i32) (result i32) (i32.const 0))
          ;; [u32 page] -> (): adds 1 to the u64 at the start of 4 KiB page `page`
          (func (export "touch") (param i32) (result i32) (local $a i32)
            (local.set $a (i32.shl (i32.load (i32.const 0)) (i32.const 12)))
            (i64.store (local.get $a) (i64.add (i64.load (local.get $a)) (i64.const 1)))
            (i32.const 0))
          ;; [u32 first][u32 count][u64 value] -> (): writes value into 8 bytes of `count` pages from `first`
          (func (export "dirty") (param i32) (result i32) (local $p i32) (local $end i32) (local $v i64)
            (local.set $p (i32.load (i32.const 0)))
            (local.set $end (i32.add (local.get $p) (i32.load (i32.const 4))))
            (local.set $v (i64.load (i32.const 8)))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (i64.store offset=64 (i32.shl (local.get $p) (i32.const 12)) (local.get $v))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $next)))
            (i32.const 0))
          ;; [u32 seed][u32 random] -> (): every 4 KiB page past the argument buffer gets its index
          ;; and the seed in its first 16 bytes (random = 0), or is filled with xorshift64 bytes (random = 1)
          (func (export "fill") (param i32) (result i32) (local $a i32) (local $x i64) (local $end i32)
            (local.set $x (i64.or (i64.extend_i32_u (i32.load (i32.const 0))) (i64.const 0x9e3779b97f4a7c15)))
            (local.set $end (i32.mul (memory.size) (i32.const 65536)))
            (local.set $a (i32.const 65536))
            (if (i32.eqz (i32.load (i32.const 4)))
              (then (loop $page
                (i64.store (local.get $a) (i64.extend_i32_u (i32.shr_u (local.get $a) (i32.const 12))))
                (i64.store offset=8 (local.get $a) (local.get $x))
                (local.set $a (i32.add (local.get $a) (i32.const 4096)))
                (br_if $page (i32.lt_u (local.get $a) (local.get $end)))))
              (else (loop $word
                (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
                (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
                (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
                (i64.store (local.get $a) (local.get $x))
                (local.set $a (i32.add (local.get $a) (i32.const 8)))
                (br_if $word (i32.lt_u (local.get $a) (local.get $end))))))
            (i32.const 0)))
        """.Replace("PAGES", wasmPages.ToString(CultureInfo.InvariantCulture));

    /// <summary>The module's bytecode.</summary>
    public static byte[] Bytes(int wasmPages) => Wasmtime.Module.ConvertText(Wat(wasmPages));

    /// <summary>Gas enough for anything the benchmarks call.</summary>
    public const ulong Gas = 4_000_000_000;

    /// <summary>Little-endian argument bytes.</summary>
    public static byte[] Args(params uint[] words) => words.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>[u32 first][u32 count][u64 value].</summary>
    public static byte[] Dirty(uint first, uint count, ulong value) => [.. Args(first, count), .. BitConverter.GetBytes(value)];

    /// <summary>A VM with the contract deployed (memory of <paramref name="wasmPages"/> pages, filled) and committed.</summary>
    public static (VM Vm, ContractId Id, Hash Root) Committed(MemoryPath path, int wasmPages, bool random, PageStoreOptions? store = null)
    {
        var vm = store is null
            ? VM.Ephemeral(new VMOptions { Memory = path })
            : new VM(Piecrust.Merkle.MerkleIndex.EphemeralStore(store), new VMOptions { Memory = path, Durable = false });
        using var session = vm.Session();
        var id = session.Deploy(Bytes(wasmPages), new ContractData(new byte[32]), Gas);
        session.Call(id, "fill", Args(42, random ? 1u : 0u), Gas);
        return (vm, id, session.Commit());
    }
}
