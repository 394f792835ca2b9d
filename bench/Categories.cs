namespace Piecrust.Bench;

/// <summary>Benchmark categories (<c>--anyCategories Storage</c>, <c>--allCategories Storage,Proof</c>).</summary>
public static class Categories
{
    /// <summary>Every benchmark of issue A (store, hashing, index, proofs).</summary>
    public const string Storage = "Storage";
    /// <summary>Committing dirty pages versus a raw RocksDB batch.</summary>
    public const string StoreWrite = "StoreWrite";
    /// <summary>The same, fsync'd.</summary>
    public const string Durable = "Durable";
    /// <summary>Hashing a 4 KiB page.</summary>
    public const string PageHash = "PageHash";
    /// <summary>Hashing a page-tree leaf (33 bytes).</summary>
    public const string LeafHash = "LeafHash";
    /// <summary>Hashing a page-tree internal node (65 bytes) and verifying a stored node.</summary>
    public const string NodeHash = "NodeHash";
    /// <summary>Staging page-tree updates.</summary>
    public const string IndexUpdate = "IndexUpdate";
    /// <summary>Page proofs: size and verification.</summary>
    public const string Proof = "Proof";
}
