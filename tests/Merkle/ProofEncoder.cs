using System.Buffers.Binary;
using Piecrust.Merkle;

namespace Piecrust.Tests.Merkle;

/// <summary>
/// A second encoder of docs/PROOFS.md, written apart from the library's, that can also write what an
/// honest prover never does: explicit empty siblings, overlong paths, other field values.
/// </summary>
internal sealed class ProofEncoder
{
    private readonly List<byte> _bytes = [];

    public ProofEncoder(ProofKind kind, byte version = Proof.FormatVersion)
    {
        U8(version);
        U8((byte)kind);
    }

    public ProofEncoder U8(byte value) { _bytes.Add(value); return this; }

    public ProofEncoder U16(int value) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); _bytes.AddRange(b); return this; }

    public ProofEncoder U64(ulong value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, value); _bytes.AddRange(b); return this; }

    public ProofEncoder Hash(Hash value) { _bytes.AddRange(value.ToArray()); return this; }

    public ProofEncoder Raw(ReadOnlySpan<byte> value) { _bytes.AddRange(value); return this; }

    /// <summary>Bitmap then hashes; sibling <paramref name="writeOut"/> is written out even when it is the empty value.</summary>
    public ProofEncoder Siblings(IReadOnlyList<Hash> siblings, Func<int, Hash> emptyAt, int writeOut = -1)
    {
        var bitmap = new byte[(siblings.Count + 7) / 8];
        for (int i = 0; i < siblings.Count; i++)
            if (siblings[i] == emptyAt(i) && i != writeOut) bitmap[i / 8] |= (byte)(1 << (i % 8));
        _bytes.AddRange(bitmap);
        for (int i = 0; i < siblings.Count; i++)
            if ((bitmap[i / 8] & (1 << (i % 8))) == 0) Hash(siblings[i]);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public static Hash EmptyContract(int _) => Domain.EmptyState;

    public static byte[] Page(PageProof p, int writeOutPage = -1, int writeOutContract = -1, ulong? pageIndex = null,
        ulong? memoryLength = null, IReadOnlyList<Hash>? contractSiblings = null) =>
        new ProofEncoder(ProofKind.Page)
            .Hash(p.Contract.AsHash).Hash(p.Bytecode).U16(p.Owner.Length).Raw(p.Owner.Span)
            .U64(memoryLength ?? p.MemoryLength).U8(p.Is64 ? (byte)1 : (byte)0).U64(pageIndex ?? p.PageIndex)
            .Siblings(p.PageSiblings, PageTree.EmptyRoot, writeOutPage)
            .U16((contractSiblings ?? p.ContractSiblings).Count).Siblings(contractSiblings ?? p.ContractSiblings, EmptyContract, writeOutContract)
            .ToArray();

    public static byte[] Absence(AbsenceProof p, int writeOut = -1, IReadOnlyList<Hash>? siblings = null)
    {
        var encoder = new ProofEncoder(ProofKind.Absence).Hash(p.Contract.AsHash)
            .U16((siblings ?? p.ContractSiblings).Count).Siblings(siblings ?? p.ContractSiblings, EmptyContract, writeOut)
            .U8(p.Other is null ? (byte)0 : (byte)1);
        if (p.Other is { } o) encoder.Hash(o.Id.AsHash).Hash(o.Bytecode).Hash(o.OwnerHash).Hash(o.MemoryRoot);
        return encoder.ToArray();
    }

    /// <summary>A range proof; <paramref name="writeOut"/> = (entry, sibling) writes out that page sibling (entry -1: a contract sibling).</summary>
    public static byte[] Range(RangeProof p, (int Entry, int Sibling)? writeOut = null, Func<int, int>? depthOf = null, IReadOnlyList<int>? order = null)
    {
        var encoder = new ProofEncoder(ProofKind.Range).U16(p.Entries.Count);
        foreach (int i in order ?? Enumerable.Range(0, p.Entries.Count).ToArray())
        {
            var e = p.Entries[i];
            encoder.Hash(e.Contract.AsHash).Hash(e.Bytecode).U16(e.Owner.Length).Raw(e.Owner.Span)
                .U64(e.MemoryLength).U8(e.Is64 ? (byte)1 : (byte)0).U64(e.Offset).U64(e.Length).U16(depthOf?.Invoke(i) ?? e.Depth)
                .Raw(e.Head.Span).Raw(e.Tail.Span)
                .Siblings(e.PageSiblings, s => PageTree.EmptyRoot(LevelOf(e, s)), writeOut is { Entry: var w } && w == i ? writeOut.Value.Sibling : -1);
        }
        return encoder.Siblings(p.ContractSiblings, EmptyContract, writeOut is { Entry: -1 } ? writeOut.Value.Sibling : -1).ToArray();
    }

    // The page-tree level of sibling s of a range entry, by the rule of docs/PROOFS.md.
    private static int LevelOf(RangeProofEntry e, int s)
    {
        int height = PageTree.HeightFor(e.Is64);
        if (e.Length == 0) return height;
        ulong lo = e.Offset / 4096, hi = (e.Offset + e.Length - 1) / 4096;
        for (int level = 0; level < height; level++, lo >>= 1, hi >>= 1)
        {
            if ((lo & 1) == 1 && s-- == 0) return level;
            if ((hi & 1) == 0 && s-- == 0) return level;
        }
        throw new ArgumentOutOfRangeException(nameof(s));
    }
}
