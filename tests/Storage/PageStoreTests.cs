using Piecrust.Merkle;
using Piecrust.Storage;
using RocksDbSharp;
using Xunit;

namespace Piecrust.Tests.Storage;

public sealed class PageStoreTests
{
    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    [Fact]
    public void Pages_round_trip_through_a_commit()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var pages = Enumerable.Range(0, 8).Select(i => ((ulong)(i * 1000), StoreFixture.Page(i))).ToArray();
        var root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, pages), staged);

        var buffer = new byte[PageStore.PageSize];
        foreach (var (pageIndex, bytes) in pages)
        {
            var key = index.PageKey(root, PageTree.Height32, pageIndex);
            Assert.Equal(PageStore.PageKey(bytes), key);
            store.ReadPage(key, buffer);
            Assert.Equal(bytes, buffer);
        }
    }

    [Fact]
    public void The_zero_page_is_never_stored_and_reads_back_as_zeros()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var key = staged.AddPage(new byte[PageStore.PageSize]);
        Assert.Equal(PageStore.ZeroPageKey, key);
        Assert.Equal(0, staged.Count);

        var root = StoreFixture.WritePages(index, EmptyTree, staged, (3, StoreFixture.Page(1)), (4, new byte[PageStore.PageSize]));
        StoreFixture.CommitTree(store, root, staged);
        Assert.Single(store.Keys(ObjectKind.Page));
        Assert.DoesNotContain(PageStore.ZeroPageKey, store.Keys(ObjectKind.Page));

        var buffer = Enumerable.Repeat((byte)0xAA, PageStore.PageSize).ToArray();
        store.ReadPage(index.PageKey(root, PageTree.Height32, 4), buffer);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Compressible_pages_are_stored_small_and_random_pages_raw()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var sparse = StoreFixture.Page(7, nonZeroBytes: 64);
        var random = StoreFixture.RandomPage(8);
        StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (0, sparse), (1, random)), staged);

        var sparseStored = store.ReadStoredValue(ObjectRef.Page(PageStore.PageKey(sparse)))!;
        var randomStored = store.ReadStoredValue(ObjectRef.Page(PageStore.PageKey(random)))!;
        Assert.True(sparseStored.Length < 120, $"a page with 64 bytes of data took {sparseStored.Length} bytes");
        Assert.Equal(PageStore.PageSize + 1, randomStored.Length);

        var buffer = new byte[PageStore.PageSize];
        store.ReadPage(PageStore.PageKey(random), buffer);
        Assert.Equal(random, buffer);
    }

    [Fact]
    public void A_reopened_store_sees_its_commits_and_pages()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            Hash root;
            var page = StoreFixture.Page(3);
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (42, page)), staged);
                Assert.True(store.IsDurable);
            }
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var commit = Assert.Single(store.Commits);
                Assert.Equal(root, commit.Root);
                var buffer = new byte[PageStore.PageSize];
                store.ReadPage(new MerkleIndex(store).PageKey(root, PageTree.Height32, 42), buffer);
                Assert.Equal(page, buffer);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_commit_that_fails_midway_writes_nothing()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var good = new StagedObjects();
        var first = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, good, (1, StoreFixture.Page(1))), good);
        var before = StoreFixture.Stored(store);

        // Stage a tree whose pages are then dropped: the nodes are reachable, a page is not there.
        var broken = new StagedObjects();
        var root = StoreFixture.WritePages(index, first, broken, (2, StoreFixture.Page(2)), (3, StoreFixture.Page(3)));
        var onlyNodes = new StagedObjects();
        foreach (var (key, bytes) in CollectNodes(root, broken)) onlyNodes.AddNode(key, bytes);

        var error = Assert.Throws<CorruptStoreException>(() => store.WriteCommit(root, ObjectRef.Node(root), first, onlyNodes));
        Assert.Contains("page", error.Message);
        Assert.Equal(before, StoreFixture.Stored(store));
        Assert.Single(store.Commits);
        Assert.Equal(1UL, store.RefCount(ObjectRef.Node(first)));
    }

    [Fact]
    public void Reference_counts_stay_exact_across_failed_commits_deletions_and_recommits()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var s1 = new StagedObjects();
        var a = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, s1,
            (0, StoreFixture.Page(1)), (1, StoreFixture.Page(2)), (5000, StoreFixture.Page(3))), s1);
        AssertCountsExact(store);

        // A commit that fails after counting part of its objects must leave no trace in the counts.
        var broken = new StagedObjects();
        var brokenRoot = StoreFixture.WritePages(index, a, broken, (2, StoreFixture.Page(4)));
        var onlyNodes = new StagedObjects();
        foreach (var (key, bytes) in CollectNodes(brokenRoot, broken)) onlyNodes.AddNode(key, bytes);
        Assert.Throws<CorruptStoreException>(() => store.WriteCommit(brokenRoot, ObjectRef.Node(brokenRoot), a, onlyNodes));
        AssertCountsExact(store);

        var s2 = new StagedObjects();
        var b = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, a, s2, (2, StoreFixture.Page(4))), s2, parent: a);
        Assert.Equal(brokenRoot, b);
        AssertCountsExact(store);

        // Reclaim a, then commit its state again: its own objects must be written anew, not assumed stored.
        store.DeleteCommit(a);
        AssertCountsExact(store);
        var again = new StagedObjects();
        StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, again,
            (0, StoreFixture.Page(1)), (1, StoreFixture.Page(2)), (5000, StoreFixture.Page(3))), again);
        AssertCountsExact(store);
        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));

        store.DeleteCommit(b);
        store.DeleteCommit(a);
        AssertCountsExact(store);
        Assert.Empty(StoreFixture.Stored(store));
    }

    // Every stored object's count equals its referrers (live commits and stored nodes), counted by walking the store.
    private static void AssertCountsExact(PageStore store)
    {
        var expected = new Dictionary<ObjectRef, ulong>();
        foreach (var commit in store.Commits)
            expected[ObjectRef.Node(commit.Root)] = expected.GetValueOrDefault(ObjectRef.Node(commit.Root)) + 1;
        var children = new List<ObjectRef>();
        foreach (var node in store.Keys(ObjectKind.Node))
        {
            children.Clear();
            store.Layout.AddChildren(store.ReadNode(node), children);
            foreach (var child in children) expected[child] = expected.GetValueOrDefault(child) + 1;
        }
        foreach (var stored in StoreFixture.Stored(store))
            Assert.Equal(expected.GetValueOrDefault(stored), store.RefCount(stored));
        Assert.Equal(expected.Keys.ToHashSet(), StoreFixture.Stored(store));
    }

    private static Dictionary<Hash, ReadOnlyMemory<byte>> CollectNodes(Hash root, StagedObjects staged)
    {
        var nodes = new Dictionary<Hash, ReadOnlyMemory<byte>>();
        var pending = new Stack<Hash>();
        pending.Push(root);
        var children = new List<ObjectRef>();
        while (pending.Count > 0)
        {
            var key = pending.Pop();
            if (!staged.TryGet(ObjectRef.Node(key), out var bytes)) continue;
            nodes[key] = bytes;
            children.Clear();
            NodeLayout.Instance.AddChildren(bytes.Span, children);
            foreach (var child in children.Where(c => c.Kind == ObjectKind.Node)) pending.Push(child.Key);
        }
        return nodes;
    }

    [Fact]
    public void A_corrupted_page_on_disk_is_reported_naming_its_key()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            var page = StoreFixture.Page(5);
            var key = PageStore.PageKey(page);
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (0, page)), staged);
            }
            FlipStoredByte(directory, "pages", key.ToArray());
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var error = Assert.Throws<CorruptStoreException>(() => store.ReadPage(key, new byte[PageStore.PageSize]));
                Assert.Contains(key.ToString(), error.Message);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Pages_read_together_are_verified_as_they_are_read_one_by_one()
    {
        StoreFixture.InTempDirectory(directory =>
        {
            // Eleven pages stored whole (sparse and random: an odd number, so the hashing lanes are
            // not all full), three versions of a page stored as differences, and the zero page.
            var pages = Enumerable.Range(0, 11).Select(i => i % 2 == 0 ? StoreFixture.Page(i + 1) : StoreFixture.RandomPage(i + 1)).ToArray();
            var versions = Enumerable.Range(0, 3).Select(v =>
            {
                var page = StoreFixture.RandomPage(99);
                BitConverter.GetBytes((ulong)v + 1).CopyTo(page, 8 * v);
                return page;
            }).ToArray();
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                var root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged,
                    [.. pages.Select((page, i) => ((ulong)i, page))]), staged);
                foreach (var version in versions)
                {
                    var next = new StagedObjects();
                    root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, root, next, (20, version)), next, parent: root);
                }
                var keys = pages.Concat(versions).Select(page => PageStore.PageKey(page)).Append(PageStore.ZeroPageKey).ToArray();
                Assert.NotNull(store.StoredPageBase(keys[^2])); // the last version is stored as a difference

                var together = keys.Select(_ => new byte[PageStore.PageSize]).ToArray();
                store.ReadPages(keys, [.. together.Select(b => b.AsMemory())]);
                for (int i = 0; i < keys.Length; i++)
                {
                    var alone = new byte[PageStore.PageSize];
                    store.ReadPage(keys[i], alone);
                    Assert.Equal(alone, together[i]);
                }
            }
            var damaged = PageStore.PageKey(pages[7]);
            FlipStoredByte(directory, "pages", damaged.ToArray());
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var keys = pages.Select(page => PageStore.PageKey(page)).ToArray();
                var error = Assert.Throws<CorruptStoreException>(() =>
                    store.ReadPages(keys, [.. keys.Select(_ => new byte[PageStore.PageSize].AsMemory())]));
                Assert.Contains(damaged.ToString(), error.Message);
            }
        });
    }

    [Fact]
    public void A_corrupted_node_on_disk_is_reported()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            Hash root;
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var index = new MerkleIndex(store);
                var staged = new StagedObjects();
                root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (0, StoreFixture.Page(1))), staged);
            }
            FlipStoredByte(directory, "nodes", root.ToArray());
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var error = Assert.Throws<CorruptStoreException>(() => new MerkleIndex(store).PageKey(root, PageTree.Height32, 0));
                Assert.Contains(root.ToString(), error.Message);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Simulates bit rot: rewrites one stored value with its last byte flipped, behind the store's back.</summary>
    internal static void FlipStoredByte(string directory, string column, byte[] key)
    {
        var families = new ColumnFamilies();
        foreach (var name in new[] { "pages", "nodes", "bytecode", "modules", "commits", "refs", "meta", "increments", "pins" })
            families.Add(name, new ColumnFamilyOptions());
        using var db = RocksDb.Open(new DbOptions(), directory, families);
        var cf = db.GetColumnFamily(column);
        var value = db.Get(key, cf);
        Assert.NotNull(value);
        value[^1] ^= 0x01;
        db.Put(key, value, cf);
    }

    [Fact]
    public void Deleting_commits_reclaims_exactly_what_no_live_commit_reaches()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var s1 = new StagedObjects();
        var a = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, s1,
            (0, StoreFixture.Page(1)), (1, StoreFixture.Page(2)), (70000, StoreFixture.Page(3))), s1);
        var s2 = new StagedObjects();
        var b = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, a, s2, (1, StoreFixture.Page(4))), s2, parent: a);
        var s3 = new StagedObjects();
        var c = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, b, s3, (0, new byte[PageStore.PageSize])), s3, parent: b);

        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
        store.DeleteCommit(b);
        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
        Assert.DoesNotContain(b, store.Commits.Select(x => x.Root));
        // Page 2 (only in a) survives while a lives; page 4 survives in c.
        Assert.True(store.Contains(ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(2)))));
        Assert.True(store.Contains(ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(4)))));

        store.DeleteCommit(a);
        Assert.Equal(StoreFixture.Reachable(store), StoreFixture.Stored(store));
        Assert.False(store.Contains(ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(1)))));
        Assert.False(store.Contains(ObjectRef.Page(PageStore.PageKey(StoreFixture.Page(2)))));

        store.DeleteCommit(c);
        Assert.Empty(StoreFixture.Stored(store));
        Assert.Empty(store.Commits);
    }

    [Fact]
    public void A_leased_commit_is_reclaimed_when_its_last_lease_ends()
    {
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var page = StoreFixture.Page(9);
        var root = StoreFixture.CommitTree(store, StoreFixture.WritePages(index, EmptyTree, staged, (5, page)), staged);

        var lease = store.Lease(root);
        store.DeleteCommit(root);
        Assert.Empty(store.Commits);
        Assert.Throws<CommitNotFoundException>(() => store.DeleteCommit(root));
        var buffer = new byte[PageStore.PageSize];
        store.ReadPage(index.PageKey(root, PageTree.Height32, 5), buffer);
        Assert.Equal(page, buffer);

        lease.Dispose();
        Assert.Empty(StoreFixture.Stored(store));
    }

    [Fact]
    public void Deleting_an_unknown_commit_is_a_typed_error()
    {
        using var store = MerkleIndex.EphemeralStore();
        var missing = Hash.Of("nope"u8);
        var error = Assert.Throws<CommitNotFoundException>(() => store.DeleteCommit(missing));
        Assert.Equal(missing, error.Root);
        Assert.Contains(missing.ToString(), error.Message);
    }

    [Fact]
    public void Store_directory_errors_are_typed()
    {
        string directory = StoreFixture.TempDirectory();
        Assert.Throws<StoreNotFoundException>(() => MerkleIndex.OpenStore(directory, new PageStoreOptions { CreateIfMissing = false }));
        try
        {
            using (MerkleIndex.OpenStore(directory))
            {
                var locked = Assert.Throws<StoreLockedException>(() => MerkleIndex.OpenStore(directory));
                Assert.Contains(directory, locked.Message);
            }
            File.WriteAllText(Path.Combine(directory, "CURRENT"), "MANIFEST-999999\n");
            var corrupt = Assert.Throws<CorruptStoreException>(() => MerkleIndex.OpenStore(directory));
            Assert.Contains(directory, corrupt.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_ephemeral_store_is_a_real_directory_removed_on_dispose()
    {
        string directory;
        using (var store = MerkleIndex.EphemeralStore())
        {
            directory = store.Directory;
            Assert.True(File.Exists(Path.Combine(directory, "CURRENT")));
            Assert.False(store.IsDurable);
        }
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Cached_modules_are_verified_and_removed_with_their_bytecode()
    {
        using var store = MerkleIndex.EphemeralStore();
        var bytecode = Hash.Of("code"u8);
        var fingerprint = Hash.Of("config"u8);
        Assert.Null(store.ReadModule(bytecode, fingerprint));
        store.WriteModule(bytecode, fingerprint, "compiled"u8);
        Assert.Equal("compiled"u8.ToArray(), store.ReadModule(bytecode, fingerprint));
        Assert.Null(store.ReadModule(bytecode, Hash.Of("other config"u8)));
        store.RemoveModules(bytecode);
        Assert.Null(store.ReadModule(bytecode, fingerprint));
    }
}
