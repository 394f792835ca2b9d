using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Long chains of commits of one memory: on the mapped path each commit derives the next memory
/// image from the previous one (overlays, merged overlays, fresh bases), so every earlier commit
/// must still read back exactly what it held, through calls (mapped pages) and page reads (files).
/// </summary>
public sealed class CommitHistoryTests
{
    private const int Pages = 1024; // 4 MiB: 64 Wasm pages

    // write: [u32 page][u64 value] puts value at offset 64 of 4 KiB page `page`;
    // fill: [u32 first][u32 count][u64 value] does that for `count` pages spaced `stride` (arg 16) apart;
    // read: [u32 page] -> u64 at offset 64 of that page.
    private const string Wat = """
        (module
          (memory (export "memory") 64)
          (global (export "A") i32 (i32.const 0))
          (func (export "fill") (param i32) (result i32) (local $p i32) (local $n i32)
            (local.set $p (i32.load (i32.const 0)))
            (local.set $n (i32.load (i32.const 4)))
            (block $done (loop $next
              (br_if $done (i32.eqz (local.get $n)))
              (i64.store offset=64 (i32.shl (local.get $p) (i32.const 12)) (i64.load (i32.const 8)))
              (local.set $p (i32.rem_u (i32.add (local.get $p) (i32.load (i32.const 16))) (i32.const 1024)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $next)))
            (i32.const 0))
          (func (export "read") (param i32) (result i32)
            (i64.store (i32.const 0) (i64.load offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12))))
            (i32.const 8)))
        """;

    private static byte[] Fill(uint first, uint count, ulong value, uint stride) =>
        [.. BitConverter.GetBytes(first), .. BitConverter.GetBytes(count), .. BitConverter.GetBytes(value), .. BitConverter.GetBytes(stride)];

    [Theory]
    [InlineData(MemoryPath.Mapped)]
    [InlineData(MemoryPath.Plain)]
    public void Every_commit_of_a_long_chain_reads_back_exactly_what_it_held(MemoryPath path)
    {
        const ulong Gas = 100_000_000;
        using var vm = VM.Ephemeral(new VMOptions { Memory = path });
        var values = new ulong[Pages];
        var history = new List<(Hash Root, ulong[] Values)>();
        using (var session = vm.Session())
        {
            var id = session.Deploy(Wasmtime.Module.ConvertText(Wat), new ContractData(new byte[] { 1 }, Id: TestId), Gas);
            // Small changes to the same and to new pages (overlays and their merges), then a change of
            // 300 scattered pages (too many mappings: a fresh base) and one of 300 consecutive pages
            // (more than a quarter of the memory: a fresh base), then small changes again.
            for (int commit = 0; commit < 40; commit++)
            {
                var (first, count, stride) = commit switch
                {
                    20 => (5u, 300u, 3u),
                    30 => (100u, 300u, 1u),
                    _ when commit % 3 == 0 => ((uint)(commit * 37 % Pages), 4u, 1u),
                    _ => (16u, 2u, 1u),
                };
                ulong value = 1000 + (ulong)commit;
                session.Call(id, "fill", Fill(first, count, value, stride), Gas);
                for (uint i = 0, page = first; i < count; i++, page = (page + stride) % Pages) values[page] = value;
                history.Add((session.Commit(), (ulong[])values.Clone()));
            }
        }

        foreach (var (root, expected) in history)
        {
            using var session = vm.Session(new SessionData { Base = root });
            for (uint page = 0; page < Pages; page += 1)
            {
                ulong read = BitConverter.ToUInt64(session.Call(TestId, "read", BitConverter.GetBytes(page), Gas).Data);
                Assert.True(expected[page] == read, $"Commit {history.FindIndex(h => h.Root == root)}, page {page}: read {read}, expected {expected[page]}.");
            }
            foreach (uint page in new uint[] { 5, 16, 17, 100, 399, 1023 })
                Assert.Equal(expected[page], BitConverter.ToUInt64(session.ReadPage(TestId, page), 64));
        }
        Assert.Equal(40, history.Select(h => h.Root).Distinct().Count());
    }

    private static readonly ContractId TestId = ContractId.FromBytes(Enumerable.Repeat((byte)0xC4, 32).ToArray());
}
