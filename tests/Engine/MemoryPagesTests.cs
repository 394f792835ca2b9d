using Piecrust.Merkle;
using Piecrust.Storage;
using RocksDbSharp;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// <see cref="Session.MemoryPages"/>: the non-zero pages of a contract's memory in the session's
/// current state, each with a proof against the session's root, lazily and as of the call.
/// </summary>
public sealed class MemoryPagesTests
{
    private const int Pages = 256; // a 1 MiB memory

    // poke: [u32 address][u64 value] stores the value at the address; the argument buffer is page 0.
    private static readonly byte[] Poker = Contracts.Wat("""
        (module
          (memory (export "memory") 16)
          (global (export "A") i32 (i32.const 0))
          (func (export "poke") (param i32) (result i32) (i64.store (i32.load (i32.const 0)) (i64.load (i32.const 4))) i32.const 0))
        """);

    private static void Poke(Session session, ContractId id, uint address, ulong value) =>
        session.Call(id, "poke", Contracts.Cat(Contracts.Le(address), Contracts.Le(value)), Contracts.Gas);

    /// <summary>The non-zero pages read one by one through <see cref="Session.ReadPage"/> (the memory views, not the tree).</summary>
    private static ulong[] NonZeroPages(Session session, ContractId id) =>
        Enumerable.Range(0, Pages).Select(i => (ulong)i).Where(i => session.ReadPage(id, i).Any(b => b != 0)).ToArray();

    [Fact]
    public void Every_non_zero_page_committed_or_not_is_listed_with_its_bytes_and_a_proof_against_the_root()
    {
        using var f = new SessionFixture();
        var id = f.Session.Deploy(Poker, new ContractData(Contracts.Owner), Contracts.Gas);
        var other = f.Session.Deploy(Poker, new ContractData(Contracts.Owner, default, new ContractId(Hash.Of("other"u8))), Contracts.Gas);
        Poke(f.Session, id, 3 * 4096 + 8, 33);
        Poke(f.Session, id, 200 * 4096, 200);
        Poke(f.Session, other, 100 * 4096, 100);
        f.Session.Commit();
        Poke(f.Session, id, 77 * 4096 + 4000, 77); // uncommitted
        Poke(f.Session, id, 200 * 4096, 0); // page 200 all zeros again

        var root = f.Session.Root;
        var pages = f.Session.MemoryPages(id).ToArray();
        Assert.Equal(NonZeroPages(f.Session, id), pages.Select(p => p.Index));
        Assert.Equal([0UL, 3, 77], pages.Select(p => p.Index)); // the argument buffer's page, and the two poked
        foreach (var page in pages)
        {
            Assert.Equal(f.Session.ReadPage(id, page.Index), page.Bytes.ToArray());
            Assert.True(ProofVerifier.VerifyPage(page.Proof, root, page.Bytes.Span), $"page {page.Index}");
            Assert.Equal(id, page.Proof.Contract);
            var tampered = page.Bytes.ToArray();
            tampered[100] ^= 1;
            Assert.False(ProofVerifier.VerifyPage(page.Proof, root, tampered));
        }
    }

    [Fact]
    public void The_pages_are_those_of_the_call_and_each_step_uses_the_session()
    {
        var f = new SessionFixture();
        var id = f.Session.Deploy(Poker, new ContractData(Contracts.Owner), Contracts.Gas);
        Poke(f.Session, id, 10 * 4096, 10);
        Poke(f.Session, id, 20 * 4096, 20);
        var root = f.Session.Root;

        using var pages = f.Session.MemoryPages(id).GetEnumerator();
        Assert.True(pages.MoveNext());
        Assert.Equal(0UL, pages.Current.Index);
        // A later call changes the session, not the pages listed.
        Poke(f.Session, id, 5 * 4096, 5);
        Assert.True(pages.MoveNext());
        Assert.Equal(10UL, pages.Current.Index);
        Assert.True(ProofVerifier.VerifyPage(pages.Current.Proof, root, pages.Current.Bytes.Span));

        // The enumeration is lazy: its next step, after the session ended, is refused.
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pages.MoveNext());
    }

    [Fact]
    public void A_step_reads_only_its_own_page_so_a_page_lost_from_the_store_fails_only_the_step_that_reaches_it()
    {
        // Page 200 is removed from the store behind its back: an enumeration that read the pages it
        // has not reached yet would fail at the first step; a lazy one yields the pages before it.
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-pages-" + Guid.NewGuid().ToString("N"));
        try
        {
            ContractId id;
            Hash root, lost;
            using (var vm = TestVM.Open(directory, new VMOptions { Durable = false }))
            using (var session = vm.Session())
            {
                id = session.Deploy(Poker, new ContractData(Contracts.Owner), Contracts.Gas);
                foreach (uint page in new uint[] { 3, 77, 200 }) Poke(session, id, page * 4096 + 16, page);
                root = session.Commit();
                lost = PageStore.PageKey(session.ReadPage(id, 200));
            }
            using (var db = RocksDb.Open(new DbOptions(), directory, RawColumns()))
                db.Remove(lost.ToArray(), db.GetColumnFamily(StoreColumns.Name(StoreColumn.Pages)));

            using (var vm = TestVM.Open(directory, new VMOptions { Durable = false }))
            using (var session = vm.Session(new SessionData { Base = root }))
            {
                var first = session.MemoryPages(id).Take(3).ToArray();
                Assert.Equal([0UL, 3, 77], first.Select(p => p.Index));
                Assert.All(first, p => Assert.True(ProofVerifier.VerifyPage(p.Proof, root, p.Bytes.Span)));
                var error = Assert.Throws<CorruptStoreException>(() => session.MemoryPages(id).ToArray());
                Assert.Contains(lost.ToString(), error.Message);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ColumnFamilies RawColumns()
    {
        var families = new ColumnFamilies();
        foreach (var column in StoreColumns.All) families.Add(StoreColumns.Name(column), new ColumnFamilyOptions());
        return families;
    }

    [Fact]
    public void An_unknown_contract_is_refused_typed_at_the_call()
    {
        using var f = new SessionFixture();
        var nobody = new ContractId(Hash.Of("nobody"u8));
        var error = Assert.Throws<ContractNotFoundException>(() => f.Session.MemoryPages(nobody));
        Assert.Contains(nobody.ToString(), error.Message);
    }
}
