namespace Piecrust.Merkle;

/// <summary>
/// A proof about the state with some root, checked by <see cref="ProofVerifier"/> with nothing but
/// the proof, the root and the claimed bytes. The serialized form is specified byte by byte in
/// docs/PROOFS.md: a version byte, a kind byte, then the kind's fields. Every accepted proof has
/// exactly one encoding: <see cref="FromBytes"/> then <see cref="ToBytes"/> gives back the same bytes.
/// Instances are immutable and validated on construction.
/// </summary>
public abstract class Proof
{
    /// <summary>The version byte of the serialized form (the first byte of every proof).</summary>
    public const byte FormatVersion = 2;

    private protected Proof() { }

    /// <summary>What the proof proves.</summary>
    public abstract ProofKind Kind { get; }

    /// <summary>The serialized form.</summary>
    public abstract byte[] ToBytes();

    /// <summary>Parses a serialized proof of any kind.</summary>
    /// <exception cref="ProofFormatException">The bytes are not a well-formed proof of this version.</exception>
    public static Proof FromBytes(ReadOnlySpan<byte> bytes) => ReadKind(bytes) switch
    {
        ProofKind.Page => PageProof.FromBytes(bytes),
        ProofKind.Absence => AbsenceProof.FromBytes(bytes),
        _ => RangeProof.FromBytes(bytes),
    };

    /// <summary>The kind a serialized proof claims to be, after checking its version.</summary>
    /// <exception cref="ProofFormatException">The version is unknown or the kind byte is not a <see cref="ProofKind"/>.</exception>
    public static ProofKind ReadKind(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2) throw new ProofFormatException($"A proof starts with a version and a kind byte; got {bytes.Length} bytes.");
        if (bytes[0] != FormatVersion)
            throw new ProofFormatException($"Unknown proof version {bytes[0]} (this verifier reads version {FormatVersion}; prove again with this release).");
        var kind = (ProofKind)bytes[1];
        if (kind is not (ProofKind.Page or ProofKind.Absence or ProofKind.Range))
            throw new ProofFormatException($"Unknown proof kind {bytes[1]} (1 page, 2 absence, 3 range).");
        return kind;
    }

    // Starts a reader past the header, checking it is this kind.
    private protected static ProofReader Open(ReadOnlySpan<byte> bytes, ProofKind expected)
    {
        var kind = ReadKind(bytes);
        if (kind != expected) throw new ProofFormatException($"The bytes are a {kind.ToString().ToLowerInvariant()} proof, not a {expected.ToString().ToLowerInvariant()} proof.");
        var reader = new ProofReader(bytes);
        reader.Byte();
        reader.Byte();
        return reader;
    }

    private protected static ProofWriter Start(ProofKind kind)
    {
        var writer = new ProofWriter();
        writer.Byte(FormatVersion);
        writer.Byte((byte)kind);
        return writer;
    }
}
