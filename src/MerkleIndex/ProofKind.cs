namespace Piecrust.Merkle;

/// <summary>What a serialized proof proves: its second byte (docs/PROOFS.md, "Common encoding").</summary>
public enum ProofKind : byte
{
    /// <summary>One 4 KiB page of one contract's memory (<see cref="PageProof"/>).</summary>
    Page = 1,
    /// <summary>That no contract with a given id exists (<see cref="AbsenceProof"/>).</summary>
    Absence = 2,
    /// <summary>Byte ranges of the memories of one or more contracts (<see cref="RangeProof"/>).</summary>
    Range = 3,
}
