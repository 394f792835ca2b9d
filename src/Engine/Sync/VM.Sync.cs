using Piecrust.Merkle;
using Piecrust.Runtime;
using Piecrust.Storage;

namespace Piecrust;

// State sync: pulling a commit from a peer (Sync), and serving this store to peers (SyncSource, ReadObject).
public sealed partial class VM
{
    /// <summary>
    /// Makes <paramref name="root"/>, as <paramref name="source"/> serves it, a live commit of this
    /// store (without a parent), fetching only the objects this store lacks (see <see cref="StateSync.Pull"/>):
    /// every object is verified against its hash and what the state means (bytecode through the
    /// deploy-time module validation) before it is written, the commit becomes visible at once when
    /// complete, and an interrupted sync resumes where it stopped. Syncing a root that is already a
    /// live commit fetches nothing.
    /// </summary>
    /// <exception cref="SyncVerificationException">The source sent a wrong object or an invalid state (named in the exception); nothing of the commit is visible.</exception>
    /// <exception cref="SyncSourceException">The source failed or lacks an object; nothing of the commit is visible.</exception>
    /// <exception cref="ImportConflictException">An object this store held was deleted during the sync; run it again.</exception>
    public SyncSummary Sync(ISyncSource source, Hash root, IProgress<SyncProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StateSync.Pull(Store, source, root, new BytecodeRules(Engine, Options), progress);
    }

    /// <summary>This store as a sync source for another store in this process.</summary>
    public ISyncSource SyncSource(int maxBatch = StoreSyncSource.DefaultMaxBatch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new StoreSyncSource(Store, maxBatch);
    }

    /// <summary>The verified content of a stored object (what its key is the hash of), or null when this store does not hold it.</summary>
    /// <exception cref="CorruptStoreException">The object is stored but damaged.</exception>
    public byte[]? ReadObject(ObjectRef reference)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StoreSyncSource.Read(Store, reference);
    }

    /// <summary>True when this store holds the object (the all-zero page counts as held).</summary>
    public bool HoldsObject(ObjectRef reference)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Store.Contains(reference);
    }

    /// <summary>Objects pinned by syncs that did not finish (reclaimed by <see cref="CollectGarbage"/>).</summary>
    public long UnfinishedSyncObjects
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Store.Pins;
        }
    }
}
