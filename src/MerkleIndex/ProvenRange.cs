namespace Piecrust.Merkle;

/// <summary>
/// A range proof with the bytes it proves: the ranges' bytes one after another, in the order of
/// <see cref="RangeProof.Entries"/> (ascending contract id). Verify with
/// <see cref="ProofVerifier.VerifyRange(RangeProof, Hash, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed record ProvenRange(RangeProof Proof, ReadOnlyMemory<byte> Data);
