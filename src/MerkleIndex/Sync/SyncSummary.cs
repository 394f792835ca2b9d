using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>What a sync did.</summary>
/// <param name="Root">The commit now live in the store.</param>
/// <param name="ObjectsFetched">Objects received from the source and verified.</param>
/// <param name="BytesFetched">Their content bytes.</param>
/// <param name="AlreadyPresent">Objects the store held already and were not asked for (a held node stands for its whole subtree, which is not walked).</param>
/// <param name="Requests">Object requests made to the source.</param>
public sealed record SyncSummary(Hash Root, long ObjectsFetched, long BytesFetched, long AlreadyPresent, long Requests);
