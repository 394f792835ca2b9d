namespace Piecrust.Merkle;

/// <summary>How far a sync is.</summary>
/// <param name="ObjectsFetched">Objects received from the source and verified.</param>
/// <param name="BytesFetched">Their content bytes.</param>
/// <param name="AlreadyPresent">Objects the store held already (a held node stands for its whole subtree).</param>
/// <param name="ObjectsWritten">Objects written to the store so far.</param>
public readonly record struct SyncProgress(long ObjectsFetched, long BytesFetched, long AlreadyPresent, long ObjectsWritten);
