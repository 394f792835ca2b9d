using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// What a VM's store holds and how well it shares and compresses it (<see cref="VM.Statistics"/>).
/// </summary>
/// <remarks>
/// Definitions. <b>Logical bytes</b>: the sum, over every live commit and every contract in it, of the
/// contract's non-zero 4 KiB pages × 4096 — what keeping every commit's memories in full would cost
/// if only all-zero pages were left out. <b>Unique page bytes</b>: stored pages × 4096.
/// <b>Dedup ratio</b> = logical bytes / unique page bytes: how many times each stored page is used on
/// average across commits and contracts (1 when nothing is shared; 1 when nothing is stored).
/// <b>Compression ratio</b> = unique page bytes / stored page bytes (<see cref="StoreStatistics.PageCompressionRatio"/>):
/// what the page encoding (LZ4 when it pays) saves. Their product is logical bytes per stored page byte.
/// Pages kept only by deleted-but-leased commits count as stored but not as logical.
/// </remarks>
/// <param name="Store">Counts and sizes of what the store holds.</param>
/// <param name="Commits">Live commits measured.</param>
/// <param name="LatestRoot">The newest live commit, if any.</param>
/// <param name="LatestContracts">Contracts in the newest live commit.</param>
/// <param name="ContractStates">Contracts summed over every live commit (a contract in 3 commits counts 3 times).</param>
/// <param name="DistinctContracts">Distinct contract ids over every live commit.</param>
/// <param name="MemoryBytes">Memory lengths summed over every live commit's contracts (zero pages included).</param>
/// <param name="LogicalBytes">Non-zero pages × 4096 summed over every live commit's contracts.</param>
public sealed record VMStatistics(
    StoreStatistics Store, long Commits, Hash? LatestRoot, long LatestContracts, long ContractStates, long DistinctContracts,
    ulong MemoryBytes, ulong LogicalBytes)
{
    /// <summary>Logical bytes / unique page bytes (see the remarks); 1 when no page is stored.</summary>
    public double DedupRatio => Store.PageDecodedBytes == 0 ? 1.0 : (double)LogicalBytes / Store.PageDecodedBytes;

    /// <summary>Unique page bytes / stored page bytes (see the remarks); 1 when no page is stored.</summary>
    public double CompressionRatio => Store.PageCompressionRatio;
}
