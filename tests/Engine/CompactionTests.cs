using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// A session whose memory took in thousands of pages replaces its mappings with one private copy of
/// the memory (compaction, mapped path). What it commits must still be the whole memory: the pages it
/// changed and every page it did not.
/// </summary>
public sealed class CompactionTests
{
    // mark: [u32 page][u64 v] writes v at offset 64 of that 4 KiB page; read: [u32 page] -> that u64;
    // fill: [u32 from][u32 count][u64 v] marks count pages from `from`; grow_then_trap grows and traps (the instance is replaced).
    private const string Wat = """
        (module
          (memory (export "memory") 512)
          (global (export "A") i32 (i32.const 0))
          (func (export "mark") (param i32) (result i32)
            (i64.store offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12)) (i64.load (i32.const 4)))
            (i32.const 0))
          (func (export "read") (param i32) (result i32)
            (i64.store (i32.const 0) (i64.load offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12))))
            (i32.const 8))
          (func (export "grow_then_trap") (param i32) (result i32)
            (drop (memory.grow (i32.const 1)))
            unreachable)
          (func (export "fill") (param i32) (result i32) (local $p i32) (local $end i32)
            (local.set $p (i32.load (i32.const 0)))
            (local.set $end (i32.add (local.get $p) (i32.load (i32.const 4))))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (i64.store offset=64 (i32.shl (local.get $p) (i32.const 12)) (i64.load (i32.const 8)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $next)))
            (i32.const 0)))
        """;

    [Fact]
    public void A_session_that_wrote_thousands_of_pages_commits_the_pages_it_did_not_write_too()
    {
        using var vm = TestVM.Ephemeral();
        var id = ContractId.FromBytes(Enumerable.Repeat((byte)0x33, 32).ToArray());
        Hash r1;
        using (var s = vm.Session())
        {
            s.Deploy(Contracts.Wat(Wat), new ContractData(new byte[] { 1 }, Id: id), Contracts.Gas);
            s.Call(id, "mark", [.. BitConverter.GetBytes(8000u), .. BitConverter.GetBytes(77UL)], Contracts.Gas);
            r1 = s.Commit();
        }
        Hash r2;
        using (var s = vm.Session(new SessionData { Base = r1 }))
        {
            s.Call(id, "fill", [.. BitConverter.GetBytes(1u), .. BitConverter.GetBytes(4200u), .. BitConverter.GetBytes(5UL)], 1_000_000_000);
            _ = s.Root; // a checkpoint: 4,200 pages taken in, past the mapped path's compaction threshold of 4,096
            s.Call(id, "mark", [.. BitConverter.GetBytes(2u), .. BitConverter.GetBytes(9UL)], Contracts.Gas);
            _ = s.Root;
            // A failed call that grew the memory: the state is loaded into another instance (the compacted copy and what came after it).
            Assert.Throws<ContractTrapException>(() => s.Call(id, "grow_then_trap", [], Contracts.Gas));
            Assert.Equal(9UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(2u), Contracts.Gas).Data));
            r2 = s.Commit();
            Assert.Equal(77UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(8000u), Contracts.Gas).Data));
            Assert.Equal(5UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(4200u), Contracts.Gas).Data));
        }
        using (var s = vm.Session(new SessionData { Base = r2 }))
        {
            Assert.Equal(9UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(2u), Contracts.Gas).Data));
            Assert.Equal(77UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(8000u), Contracts.Gas).Data));
            Assert.Equal(5UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(1u), Contracts.Gas).Data));
            Assert.Equal(0UL, BitConverter.ToUInt64(s.Call(id, "read", BitConverter.GetBytes(4201u), Contracts.Gas).Data));
        }
    }
}
