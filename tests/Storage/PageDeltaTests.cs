using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Maintenance;
using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>Pages stored as their difference from the page they replace (<see cref="PageDelta"/>).</summary>
public sealed class PageDeltaTests
{
    private const ulong Slot = 77;
    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    // Version v of a random page: the same random bytes with 8 of them changed per version.
    private static byte[] Version(int v)
    {
        var page = StoreFixture.RandomPage(1234);
        for (int i = 1; i <= v; i++) BitConverter.GetBytes((ulong)i * 0x9E3779B97F4A7C15).CopyTo(page, 64 * i);
        return page;
    }

    // Commits versions 0..count-1 of the page at Slot, one commit each; returns the roots.
    private static List<Hash> CommitVersions(PageStore store, int count)
    {
        var index = new MerkleIndex(store);
        var roots = new List<Hash>();
        var root = EmptyTree;
        for (int v = 0; v < count; v++)
        {
            var staged = new StagedObjects();
            var parent = roots.Count > 0 ? roots[^1] : (Hash?)null;
            root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, root, staged, (Slot, Version(v))), staged, parent);
            roots.Add(root);
        }
        return roots;
    }

    private static byte[] Read(PageStore store, Hash key)
    {
        var buffer = new byte[PageStore.PageSize];
        store.ReadPage(key, buffer);
        return buffer;
    }

    [Fact]
    public void An_eight_byte_change_to_a_random_page_is_stored_as_a_small_difference_that_reads_back_exactly()
    {
        using var store = MerkleIndex.EphemeralStore();
        CommitVersions(store, 2);
        var whole = PageStore.PageKey(Version(0));
        var changed = PageStore.PageKey(Version(1));

        var stored = store.ReadStoredValue(ObjectRef.Page(changed))!;
        Assert.True(stored.Length < 100, $"an 8-byte change took {stored.Length} bytes");
        Assert.Equal(PageStore.PageSize + 1, store.ReadStoredValue(ObjectRef.Page(whole))!.Length);
        Assert.Equal(whole, store.StoredPageBase(changed));
        Assert.Equal(Version(1), Read(store, changed));
        Assert.Equal(Version(0), Read(store, whole));
        // The base is referenced by its commit's tree and by the difference.
        Assert.Equal(2UL, store.RefCount(ObjectRef.Page(whole)));
        Assert.True(store.Check().IsClean);
    }

    [Fact]
    public void Every_later_version_is_a_difference_from_the_same_whole_page_so_a_read_costs_two_values()
    {
        using var store = MerkleIndex.EphemeralStore();
        CommitVersions(store, 6);
        var whole = PageStore.PageKey(Version(0));
        for (int v = 1; v < 6; v++)
        {
            var key = PageStore.PageKey(Version(v));
            Assert.Equal(whole, store.StoredPageBase(key));
            Assert.Equal(Version(v), Read(store, key));
        }
        Assert.Equal(6UL, store.RefCount(ObjectRef.Page(whole)));
        Assert.True(store.Check().IsClean);
    }

    [Fact]
    public void A_base_stays_while_a_difference_needs_it_and_goes_with_the_last_one()
    {
        using var store = MerkleIndex.EphemeralStore();
        var roots = CommitVersions(store, 3);
        var whole = PageStore.PageKey(Version(0));

        store.DeleteCommit(roots[0]);
        Assert.True(store.Contains(ObjectRef.Page(whole)));
        Assert.Equal(2UL, store.RefCount(ObjectRef.Page(whole)));
        Assert.Equal(Version(2), Read(store, PageStore.PageKey(Version(2))));
        Assert.True(store.Check().IsClean);
        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));

        store.DeleteCommit(roots[1]);
        Assert.Equal(1UL, store.RefCount(ObjectRef.Page(whole)));
        Assert.True(store.Check().IsClean);

        store.DeleteCommit(roots[2]);
        Assert.Empty(StoreFixture.Stored(store));
    }

    [Fact]
    public void A_limit_of_zero_stores_every_page_whole()
    {
        using var store = MerkleIndex.EphemeralStore(new PageStoreOptions { PageDeltaLimit = 0 });
        CommitVersions(store, 2);
        var changed = PageStore.PageKey(Version(1));
        Assert.Equal(PageStore.PageSize + 1, store.ReadStoredValue(ObjectRef.Page(changed))!.Length);
        Assert.Null(store.StoredPageBase(changed));
        Assert.Equal(1UL, store.RefCount(ObjectRef.Page(PageStore.PageKey(Version(0)))));
    }

    [Fact]
    public void A_difference_larger_than_the_limit_is_not_used()
    {
        using var store = MerkleIndex.EphemeralStore(new PageStoreOptions { PageDeltaLimit = 60 });
        CommitVersions(store, 2);
        Assert.Null(store.StoredPageBase(PageStore.PageKey(Version(1))));
    }

    [Fact]
    public void A_page_whose_own_encoding_is_smaller_is_stored_whole()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var first = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (Slot, StoreFixture.Page(5))), staged);
        staged = new StagedObjects();
        StoreFixture.CommitTree(store, StoreFixture.WritePages(index, first, staged, (Slot, StoreFixture.Page(6))), staged, first);
        Assert.Null(store.StoredPageBase(PageStore.PageKey(StoreFixture.Page(6)))); // 64 random bytes LZ4 to less than any difference
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(PageStore.PageSize)]
    public void A_limit_outside_a_page_is_refused(int limit)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MerkleIndex.EphemeralStore(new PageStoreOptions { PageDeltaLimit = limit }));
        Assert.Contains("PageDeltaLimit", error.Message);
    }

    [Fact]
    public void A_difference_whose_base_key_is_damaged_is_reported_and_releases_nothing()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            List<Hash> roots;
            using (var store = MerkleIndex.OpenStore(directory)) roots = CommitVersions(store, 2);
            var changed = PageStore.PageKey(Version(1));
            RawStore.Edit(directory, (db, column) =>
            {
                var value = db.Get(changed.ToArray(), column("pages"));
                Assert.Equal(PageDelta.Tag, value[0]);
                value[5] ^= 0x01; // a bit of the base key in the header
                db.Put(changed.ToArray(), value, column("pages"));
            });
            using (var store = MerkleIndex.OpenStore(directory))
            {
                Assert.Throws<CorruptStoreException>(() => Read(store, changed));
                var report = store.Check();
                Assert.Contains(report.Problems, p => p.Kind == StoreProblemKind.CorruptObject && p.Object == ObjectRef.Page(changed));
                var stored = StoreFixture.Stored(store);
                Assert.Throws<CorruptStoreException>(() => store.DeleteCommit(roots[1]));
                Assert.Equal(stored, StoreFixture.Stored(store));
                Assert.Equal(2, store.Commits.Count);
            }
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_difference_whose_base_is_missing_is_reported()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            using (var store = MerkleIndex.OpenStore(directory)) CommitVersions(store, 2);
            var whole = PageStore.PageKey(Version(0));
            var changed = PageStore.PageKey(Version(1));
            RawStore.Delete(directory, "pages", whole.ToArray());
            using var reopened = MerkleIndex.OpenStore(directory);
            var error = Assert.Throws<CorruptStoreException>(() => Read(reopened, changed));
            Assert.Contains(whole.ToString(), error.Message);
            var report = reopened.Check();
            Assert.Contains(report.Problems, p => p.Kind == StoreProblemKind.MissingObject && p.Object == ObjectRef.Page(whole));
            Assert.Contains(report.Problems, p => p.Kind == StoreProblemKind.CorruptObject && p.Object == ObjectRef.Page(changed));
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
