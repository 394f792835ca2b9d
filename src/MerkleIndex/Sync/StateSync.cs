using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>State sync between stores: pull a commit from a <see cref="ISyncSource"/>, verified, resumable, fetching only what the store lacks.</summary>
public static class StateSync
{
    /// <summary>
    /// Makes <paramref name="root"/>, as <paramref name="source"/> serves it, a live commit of
    /// <paramref name="store"/> (without a parent). Objects the store holds are not fetched (with their
    /// subtrees); every object fetched is verified against its hash and its place in the state before it
    /// is written; the commit becomes visible only once complete, in one atomic write. An interrupted
    /// sync leaves what it wrote pinned: the next sync of a state sharing it does not fetch it again,
    /// and gc reclaims it otherwise. Memory stays O(tree height × batch) for any state size.
    /// </summary>
    /// <exception cref="SyncVerificationException">The source sent a wrong object or an invalid state (the exception names the object); nothing of the commit is visible.</exception>
    /// <exception cref="SyncSourceException">The source failed or lacks an object; nothing of the commit is visible.</exception>
    /// <exception cref="ImportConflictException">An object the store held was deleted during the sync; run it again.</exception>
    public static SyncSummary Pull(PageStore store, ISyncSource source, Hash root, IBytecodeValidator validator, IProgress<SyncProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.MaxBatch < 1) throw new ArgumentException("A sync source must allow at least one object per request.", nameof(source));
        return new StateReceiver(store, source, validator, progress).Run(root);
    }
}
