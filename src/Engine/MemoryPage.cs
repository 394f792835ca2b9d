using Piecrust.Merkle;

namespace Piecrust;

/// <summary>
/// One non-zero 4 KiB page of a contract's memory, with its proof against the state root it was read
/// from (<see cref="Session.MemoryPages"/>); verify with
/// <see cref="ProofVerifier.VerifyPage(PageProof, Hash, ReadOnlySpan{byte})"/> and <see cref="Bytes"/>.
/// </summary>
/// <param name="Index">The page's index: it holds bytes [Index · 4096, Index · 4096 + 4096) of the memory.</param>
/// <param name="Bytes">The page's 4,096 bytes.</param>
/// <param name="Proof">The proof that the page holds these bytes in the state with the root given by <see cref="Session.MemoryPages"/>.</param>
public sealed record MemoryPage(ulong Index, ReadOnlyMemory<byte> Bytes, PageProof Proof);
