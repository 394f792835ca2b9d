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
}
