namespace Piecrust;

/// <summary>How a <see cref="VM"/> runs.</summary>
public sealed record VMOptions
{
    /// <summary>fsync every commit and deletion (default true; ephemeral VMs never are).</summary>
    public bool Durable { get; init; } = true;

    /// <summary>What <see cref="VM.FinalizeCommit"/> does to other commits (default <see cref="HistoryMode.Archive"/>).</summary>
    public HistoryMode History { get; init; } = HistoryMode.Archive;
}

/// <summary>Which commits a VM keeps when one is finalized.</summary>
public enum HistoryMode
{
    /// <summary>Every commit stays openable until it is deleted explicitly: a full history (archive node).</summary>
    Archive,

    /// <summary>
    /// Finalizing a commit deletes, atomically, every commit that is neither it nor one of its
    /// descendants: only the finalized state and the branches built on it remain (pruned node).
    /// Sessions already running on a deleted commit keep working until they end.
    /// </summary>
    Prune,
}
