namespace Piecrust.Storage;

/// <summary>How a <see cref="PageStore"/> is opened.</summary>
public sealed record PageStoreOptions
{
    /// <summary>
    /// When true (the default for <see cref="PageStore.Open"/>), every commit and deletion is
    /// fsync'd before it returns, so it survives a power loss. Ephemeral stores are never durable.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>Create the directory and an empty store when missing (default true); when false a missing directory raises <see cref="StoreNotFoundException"/>.</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>Size of the RocksDB block cache shared by all column families, in bytes.</summary>
    public ulong BlockCacheBytes { get; init; } = 64UL << 20;

    /// <summary>
    /// How many reference-count increments commits may leave journaled, not yet applied to the
    /// counts, before the next commit applies them first (default 65,536: about 2 MiB of journal).
    /// Commits journal the references they add to objects already stored instead of rewriting those
    /// objects' counts; a deletion applies the journal in its own batch. Must be at least 1.
    /// </summary>
    public int PendingCountLimit { get; init; } = 1 << 16;

    /// <summary>
    /// The largest difference, in bytes, a changed page is stored as instead of whole (default 1,024,
    /// a quarter page; 0 stores every page whole). A commit that replaces a page with a new version
    /// may store the new one as its XOR with the old one's whole form, LZ4-compressed, when that is
    /// smaller than the page's own encoding and at most this limit: an 8-byte change to a page of
    /// random bytes then costs ~70 bytes instead of 4,097 (see <c>PageDelta</c>). Reading such a page
    /// reads two values, and a page stored as a difference keeps the whole page it is a difference
    /// from, so with history pruned a page can cost its whole base plus this limit: the limit bounds
    /// that overhead to a quarter page. Must be from 0 to 4,095.
    /// </summary>
    public int PageDeltaLimit { get; init; } = 1024;

    /// <summary>
    /// How many table files RocksDB keeps open at once (default 512; at least 20). RocksDB's own
    /// default keeps every table file open, so descriptors would grow with the store, which in
    /// archive mode grows with history; past this number it closes the least recently used and
    /// reopens them on demand (a store under 512 tables, about 32 GiB, never does).
    /// </summary>
    public int MaxOpenFiles { get; init; } = 512;
}
