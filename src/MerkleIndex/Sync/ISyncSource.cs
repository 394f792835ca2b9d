using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Where a state is synced from: a peer's store, over HTTP or in process. A source only serves; the
/// receiver verifies everything it gets against the hash it asked for, so a source need not be trusted.
/// </summary>
public interface ISyncSource
{
    /// <summary>The most objects one <see cref="GetObjects"/> call may ask for.</summary>
    int MaxBatch { get; }

    /// <summary>The source's live commits, oldest first.</summary>
    /// <exception cref="SyncSourceException">The source cannot be reached or answers badly.</exception>
    IReadOnlyList<CommitInfo> GetCommits();

    /// <summary>
    /// The content of each object, in the order asked: a page's 4096 bytes, a node's bytes, the
    /// bytecode — what its key is the hash of.
    /// </summary>
    /// <exception cref="SyncSourceException">The source lacks an object, cannot be reached or answers badly.</exception>
    IReadOnlyList<byte[]> GetObjects(IReadOnlyList<ObjectRef> objects);
}
