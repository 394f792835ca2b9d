using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>
/// Issue J, point 4: what a commit of an 8-byte change to a 1 MiB memory of random bytes adds to the
/// store, through the public API, on both memory paths. The figures side by side with pages stored
/// whole are in bench/RESULTS.md (StoreGrowthBench).
/// </summary>
public sealed class StoreGrowthTests
{
    private const ulong Gas = 4_000_000_000;
    private const uint ChangedPage = 100;

    // A 1 MiB memory (16 wasm pages); fill: random bytes past the first 64 KiB; dirty: 8 bytes into a page.
    private const string Wat = """
        (module
          (memory (export "memory") 16)
          (global (export "A") i32 (i32.const 0))
          (func (export "dirty") (param i32) (result i32)
            (i64.store offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12)) (i64.load (i32.const 8)))
            (i32.const 0))
          (func (export "fill") (param i32) (result i32) (local $a i32) (local $x i64)
            (local.set $x (i64.const 0x9e3779b97f4a7c15))
            (local.set $a (i32.const 65536))
            (loop $word
              (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
              (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
              (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
              (i64.store (local.get $a) (local.get $x))
              (local.set $a (i32.add (local.get $a) (i32.const 8)))
              (br_if $word (i32.lt_u (local.get $a) (i32.const 1048576))))
            (i32.const 0)))
        """;

    private static byte[] DirtyArgs(ulong value) => [.. BitConverter.GetBytes(ChangedPage), .. new byte[4], .. BitConverter.GetBytes(value)];

    [Theory]
    [InlineData(MemoryPath.Mapped)]
    [InlineData(MemoryPath.Plain)]
    public void An_eight_byte_change_to_a_random_memory_adds_at_most_4_KiB(MemoryPath path)
    {
        using var vm = VM.Ephemeral(new VMOptions { Memory = path });
        Hash root;
        ContractId id;
        using (var deploy = vm.Session())
        {
            id = deploy.Deploy(Wasmtime.Module.ConvertText(Wat), new ContractData(new byte[32]), Gas);
            deploy.Call(id, "fill", new byte[8], Gas);
            root = deploy.Commit();
        }
        var page = vm.ReadPage(root, id, ChangedPage);
        using var session = vm.Session(new SessionData { Base = root });
        for (ulong value = 1; value <= 5; value++)
        {
            session.Call(id, "dirty", DirtyArgs(value), Gas);
            root = session.Commit();
            var write = vm.LastWrite;
            Assert.True(write.BatchBytes <= 4096, $"commit {value} wrote a {write.BatchBytes}-byte batch");
            Assert.True(write.BytesWritten < write.BatchBytes); // the batch also holds the commit record and RocksDB's framing
            Assert.True(write.ObjectsWritten > 20); // the page, its tree path and the contract leaf: still all written

            BitConverter.GetBytes(value).CopyTo(page, 64);
            Assert.Equal(page, vm.ReadPage(root, id, ChangedPage));
        }
        Assert.True(vm.Fsck().IsClean);
    }
}
