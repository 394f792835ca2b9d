namespace Piecrust.Merkle;

/// <summary>
/// Proof that byte ranges of the memories of one or more contracts have given bytes in the state
/// with a given root, in one piece with shared siblings (a multiproof): within each memory the pages
/// of a range share their page-tree siblings, and the contracts share their contract-tree siblings.
/// The proven bytes travel apart from the proof, one range after another in entry order.
/// Verify with <see cref="ProofVerifier.VerifyRange(RangeProof, Hash, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class RangeProof : Proof
{
    /// <summary>The most entries (contracts) one proof holds: the count is a u16.</summary>
    public const int MaxEntries = ushort.MaxValue;

    /// <summary>Creates a proof from its parts.</summary>
    /// <exception cref="ArgumentException">
    /// There are no entries or more than <see cref="MaxEntries"/>; the ids are not strictly ascending;
    /// the depths cannot all hold in one tree; or the siblings are not as many as the entries need.
    /// </exception>
    public RangeProof(IReadOnlyList<RangeProofEntry> entries, IReadOnlyList<Hash> contractSiblings)
    {
        ProofRules.Require(Problem(entries), nameof(entries));
        var (count, problem) = ContractMultiproof.CountSiblings(entries.Select(e => e.Contract).ToArray(), entries.Select(e => e.Depth).ToArray());
        ProofRules.Require(problem, nameof(entries));
        if (contractSiblings.Count != count)
            throw new ArgumentException($"These entries need {count} contract siblings, got {contractSiblings.Count}.", nameof(contractSiblings));
        Entries = entries.ToArray();
        ContractSiblings = contractSiblings.ToArray();
    }

    /// <inheritdoc/>
    public override ProofKind Kind => ProofKind.Range;
    /// <summary>One entry per contract, in strictly ascending id order.</summary>
    public IReadOnlyList<RangeProofEntry> Entries { get; }
    /// <summary>The contract-tree siblings, in the order a depth-first, left-before-right walk meets them.</summary>
    public IReadOnlyList<Hash> ContractSiblings { get; }

    /// <summary>Total number of proven bytes: the length the data must have.</summary>
    public ulong DataLength => Entries.Aggregate(0UL, (sum, e) => sum + e.Length);

    /// <summary>The serialized form (docs/PROOFS.md, "Range proof").</summary>
    public override byte[] ToBytes()
    {
        var writer = Start(ProofKind.Range);
        writer.UInt16(Entries.Count);
        foreach (var entry in Entries) entry.Write(writer);
        writer.Siblings(ContractSiblings, ProofRules.EmptyContractSibling);
        return writer.ToArray();
    }

    /// <summary>Parses the serialized form.</summary>
    /// <exception cref="ProofFormatException">The bytes are not a well-formed range proof of this version.</exception>
    public static new RangeProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = Open(bytes, ProofKind.Range);
        int count = reader.UInt16();
        var entries = new List<RangeProofEntry>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++) entries.Add(RangeProofEntry.Read(ref reader));
        ProofRules.Check(Problem(entries));
        var (siblingCount, problem) = ContractMultiproof.CountSiblings(entries.Select(e => e.Contract).ToArray(), entries.Select(e => e.Depth).ToArray());
        ProofRules.Check(problem);
        var siblings = reader.Siblings(siblingCount, ProofRules.EmptyContractSibling);
        reader.End();
        return new RangeProof(entries, siblings);
    }

    private static string? Problem(IReadOnlyList<RangeProofEntry> entries)
    {
        if (entries.Count == 0) return "A range proof has at least one entry.";
        if (entries.Count > MaxEntries) return $"A range proof has at most {MaxEntries} entries, got {entries.Count}.";
        for (int i = 1; i < entries.Count; i++)
            if (entries[i].Contract.CompareTo(entries[i - 1].Contract) <= 0)
                return $"Range-proof entries are in strictly ascending id order; entry {i} ({entries[i].Contract}) is not above entry {i - 1}.";
        return null;
    }
}
