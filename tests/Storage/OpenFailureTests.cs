using Piecrust.Merkle;
using Piecrust.Storage;
using RocksDbSharp;
using Xunit;

namespace Piecrust.Tests.Storage;

public sealed class OpenFailureTests
{
    [Fact]
    public void A_store_that_fails_to_load_does_not_stay_locked()
    {
        string directory = StoreFixture.TempDirectory();
        try
        {
            Hash root;
            using (var store = MerkleIndex.OpenStore(directory))
            {
                var staged = new StagedObjects();
                root = StoreFixture.CommitTree(store,
                    StoreFixture.WritePages(new MerkleIndex(store), PageTree.EmptyRoot(PageTree.Height32), staged, (0, StoreFixture.Page(1))), staged);
            }
            // A malformed commit record: loading the store fails.
            var families = new ColumnFamilies();
            foreach (var name in new[] { "pages", "nodes", "bytecode", "modules", "commits", "refs", "meta", "increments", "pins" })
                families.Add(name, new ColumnFamilyOptions());
            using (var db = RocksDb.Open(new DbOptions(), directory, families))
                db.Put(root.ToArray(), new byte[] { 1, 2, 3 }, db.GetColumnFamily("commits"));

            var first = Assert.Throws<CorruptStoreException>(() => MerkleIndex.OpenStore(directory).Dispose());
            Assert.Contains(root.ToString(), first.Message);
            // Before the fix the failed open kept RocksDB's LOCK, and this second attempt said "locked".
            Assert.Throws<CorruptStoreException>(() => MerkleIndex.OpenStore(directory).Dispose());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
