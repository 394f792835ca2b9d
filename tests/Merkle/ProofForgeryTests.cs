using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Storage;
using Xunit;

namespace Piecrust.Tests.Merkle;

/// <summary>
/// Proofs no honest prover makes: overlong paths, out-of-range indices, pages outside the memory and
/// non-canonical encodings. None verifies, whatever the root; the parsers say why.
/// </summary>
public sealed class ProofForgeryTests : IDisposable
{
    private static readonly ContractId Someone = new(Hash.Of("someone"u8));
    private static readonly byte[] ZeroPage = new byte[PageStore.PageSize];
    private readonly PageStore _store = MerkleIndex.EphemeralStore();
    private readonly MerkleIndex _index;
    private readonly Hash _root;
    private readonly ContractLeaf[] _leaves;

    public ProofForgeryTests()
    {
        _index = new MerkleIndex(_store);
        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        var leaves = new List<ContractLeaf>();
        for (int c = 0; c < 8; c++)
        {
            var tree = StoreFixture.WritePages(_index, PageTree.EmptyRoot(PageTree.Height32), staged, (1, StoreFixture.Page(c)), (9, StoreFixture.Page(c + 100)));
            var leaf = MerkleIndexTests.Leaf(c, tree, memoryLength: 65536);
            staged.AddBytecode(MerkleIndexTests.BytecodeOf(c));
            leaves.Add(leaf);
            root = _index.SetContract(root, leaf, staged);
        }
        _store.WriteCommit(root, ObjectRef.Node(root), null, staged);
        _root = root;
        _leaves = leaves.ToArray();
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void An_overlong_contract_path_never_verifies_not_even_against_the_all_zero_root()
    {
        var pageSiblings = Enumerable.Range(0, PageTree.Height32).Select(PageTree.EmptyRoot).ToArray();
        var overlong = Enumerable.Repeat(Hash.Of([7]), ContractId.Size * 8 + 1).ToArray();
        bool verified;
        try
        {
            var proof = new PageProof(Someone, Hash.Of([1]), new byte[] { 1 }, 65536, false, 0, pageSiblings, overlong);
            verified = ProofVerifier.VerifyPage(proof, Hash.Zero, ZeroPage);
        }
        catch (ArgumentException)
        {
            verified = false; // refused at construction: as good as not verifying
        }
        Assert.False(verified, "a 257-step contract path verified against the all-zero root");
    }

    [Fact]
    public void Overlong_paths_in_serialized_proofs_are_malformed_and_verify_against_no_root()
    {
        var real = _index.ProvePage(_root, _leaves[0].Id, 1)!;
        var overlong = Enumerable.Repeat(Hash.Of([7]), ContractId.Size * 8 + 1).ToArray();
        var page = ProofEncoder.Page(real, contractSiblings: overlong);
        var absence = ProofEncoder.Absence(new AbsenceProof(Someone, [], null), siblings: overlong);
        foreach (var root in new[] { Hash.Zero, _root, Domain.EmptyState })
        {
            Assert.False(ProofVerifier.VerifyPage(page, root, ZeroPage));
            Assert.False(ProofVerifier.VerifyAbsence(absence, root, Someone));
        }
        Assert.Contains("at most 256 steps", Assert.Throws<ProofFormatException>(() => PageProof.FromBytes(page)).Message);
        Assert.Contains("at most 256 steps", Assert.Throws<ProofFormatException>(() => AbsenceProof.FromBytes(absence)).Message);

        // 256 steps is the bound itself: parsed, and false against a root it does not lead to.
        var deepest = ProofEncoder.Page(real, contractSiblings: overlong[1..]);
        Assert.Equal(256, PageProof.FromBytes(deepest).ContractSiblings.Count);
        Assert.False(ProofVerifier.VerifyPage(deepest, Hash.Zero, StoreFixture.Page(0)));
    }

    [Fact]
    public void Constructors_validate_path_lengths_depths_and_indices()
    {
        var twenty = Enumerable.Range(0, 20).Select(PageTree.EmptyRoot).ToArray();
        var thirty = Enumerable.Range(0, 30).Select(PageTree.EmptyRoot).ToArray();
        byte[] owner = [1];
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, owner, 65536, false, 0, twenty[..19], []));
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, owner, 65536, true, 0, twenty, []));
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, owner, ulong.MaxValue, false, 1UL << 20, twenty, []));
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, owner, 65536, false, 16, twenty, []));
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, new byte[65536], 65536, false, 0, twenty, []));
        Assert.Throws<ArgumentException>(() => new PageProof(Someone, default, owner, 65536, false, 0, twenty, new Hash[257]));
        _ = new PageProof(Someone, default, owner, 65537, false, 16, twenty, new Hash[256]); // a byte of page 16 is inside the memory
        _ = new PageProof(Someone, default, owner, ulong.MaxValue, true, (1UL << 30) - 1, thirty, []);

        Assert.Throws<ArgumentException>(() => new AbsenceProof(Someone, new Hash[257], null));
        Assert.Throws<ArgumentException>(() => new AbsenceProof(Someone, [], new AbsenceProof.OtherLeaf(Someone, default, default, default)));
        var other = _leaves[0].Id;
        int differing = Enumerable.Range(0, 256).First(bit => other.Bit(bit) != Someone.Bit(bit));
        Assert.Throws<ArgumentException>(() => new AbsenceProof(Someone, new Hash[differing + 1], new AbsenceProof.OtherLeaf(other, default, default, default)));
        _ = new AbsenceProof(Someone, new Hash[differing], new AbsenceProof.OtherLeaf(other, default, default, default));

        Assert.Throws<ArgumentException>(() => Entry(Someone, 65536, 65530, 7, depth: 0));      // past the memory
        Assert.Throws<ArgumentException>(() => Entry(Someone, 65536, 5, 0, depth: 0));          // empty range with an offset
        Assert.Throws<ArgumentException>(() => Entry(Someone, 65536, 0, 10, depth: 257));       // too deep
        Assert.Throws<ArgumentException>(() => new RangeProofEntry(Someone, default, owner, 65536, false, 10, 10, 0, new byte[9], new byte[4076], twenty));
        Assert.Throws<ArgumentException>(() => new RangeProofEntry(Someone, default, owner, 65536, false, 0, 4096, 0, default, default, twenty[..19]));
        var a = Entry(_leaves[0].Id, 65536, 0, 1, depth: 1);
        var b = Entry(_leaves[1].Id, 65536, 0, 1, depth: 1);
        Assert.Throws<ArgumentException>(() => new RangeProof([], []));
        Assert.Throws<ArgumentException>(() => new RangeProof([a, a], []));
        var (low, high) = a.Contract.CompareTo(b.Contract) < 0 ? (a, b) : (b, a);
        Assert.Throws<ArgumentException>(() => new RangeProof([high, low], []));
        Assert.Throws<ArgumentException>(() => new RangeProof([Entry(Someone, 65536, 0, 1, depth: 0)], [Domain.EmptyState]));
        _ = new RangeProof([Entry(Someone, 65536, 0, 1, depth: 0)], []);
    }

    private static RangeProofEntry Entry(ContractId id, ulong memoryLength, ulong offset, ulong length, int depth)
    {
        int height = PageTree.Height32;
        bool empty = length == 0;
        int head = empty ? 0 : (int)(offset % 4096), tail = empty ? 0 : (int)((4096 - (offset + length) % 4096) % 4096);
        int siblings = empty ? 1 : CountSiblings(offset, length, height);
        return new RangeProofEntry(id, default, new byte[] { 1 }, memoryLength, false, offset, length, depth,
            new byte[head], new byte[tail], Enumerable.Repeat(Hash.Of([9]), siblings).ToArray());
    }

    private static int CountSiblings(ulong offset, ulong length, int height)
    {
        if (offset + length > PageTree.Capacity(height) * 4096) return 0;
        ulong lo = offset / 4096, hi = (offset + length - 1) / 4096;
        int count = 0;
        for (int level = 0; level < height; level++, lo >>= 1, hi >>= 1) count += (int)(lo & 1) + (int)(1 - (hi & 1));
        return count;
    }

    [Fact]
    public void An_empty_sibling_written_out_is_rejected_so_every_proof_has_one_encoding()
    {
        var page = _index.ProvePage(_root, _leaves[2].Id, 1)!;
        var absence = _index.ProveAbsence(_root, Someone)!;
        var range = _index.ProveRange(_root, [new MemoryRange(_leaves[2].Id, 4000, 5000), new MemoryRange(_leaves[5].Id, 0, 0)])!;
        Assert.Equal(page.ToBytes(), ProofEncoder.Page(page));
        Assert.Equal(absence.ToBytes(), ProofEncoder.Absence(absence));
        Assert.Equal(range.Proof.ToBytes(), ProofEncoder.Range(range.Proof));

        int pageEmpties = 0, contractEmpties = 0;
        for (int i = 0; i < page.PageSiblings.Count; i++)
        {
            if (page.PageSiblings[i] != PageTree.EmptyRoot(i)) continue;
            pageEmpties++;
            var bytes = ProofEncoder.Page(page, writeOutPage: i);
            Assert.Contains("empty siblings are marked in the bitmap only", Assert.Throws<ProofFormatException>(() => PageProof.FromBytes(bytes)).Message);
            Assert.False(ProofVerifier.VerifyPage(bytes, _root, StoreFixture.Page(2)));
        }
        foreach (var (siblings, encode) in new (IReadOnlyList<Hash>, Func<int, byte[]>)[]
        {
            (page.ContractSiblings, i => ProofEncoder.Page(page, writeOutContract: i)),
            (absence.ContractSiblings, i => ProofEncoder.Absence(absence, writeOut: i)),
            (range.Proof.ContractSiblings, i => ProofEncoder.Range(range.Proof, writeOut: (-1, i))),
        })
        {
            for (int i = 0; i < siblings.Count; i++)
            {
                if (siblings[i] != Domain.EmptyState) continue;
                contractEmpties++;
                Assert.Throws<ProofFormatException>(() => Proof.FromBytes(encode(i)));
            }
        }
        var canonical = range.Proof.ToBytes();
        for (int i = 0; i < range.Proof.Entries[0].PageSiblings.Count; i++)
        {
            var bytes = ProofEncoder.Range(range.Proof, writeOut: (0, i));
            if (bytes.AsSpan().SequenceEqual(canonical)) continue; // a non-empty sibling: written out anyway
            pageEmpties++;
            Assert.Throws<ProofFormatException>(() => RangeProof.FromBytes(bytes));
            Assert.False(ProofVerifier.VerifyRange(bytes, _root, range.Data.Span));
        }
        Assert.True(pageEmpties > 10 && contractEmpties > 0, $"page empties {pageEmpties}, contract empties {contractEmpties}");
    }

    [Fact]
    public void Other_non_canonical_encodings_are_rejected()
    {
        var page = _index.ProvePage(_root, _leaves[2].Id, 1)!;
        var bytes = page.ToBytes();
        Assert.Throws<ProofFormatException>(() => PageProof.FromBytes([.. bytes, 0]));                // trailing byte
        var flag = (byte[])bytes.Clone();
        flag[2 + 32 + 32 + 2 + page.Owner.Length + 8] = 2;                                           // 64-bit flag 2
        Assert.Contains("not 0 or 1", Assert.Throws<ProofFormatException>(() => PageProof.FromBytes(flag)).Message);
        var bitmap = (byte[])bytes.Clone();
        bitmap[2 + 32 + 32 + 2 + page.Owner.Length + 8 + 1 + 8 + 2] |= 0x80;                        // bit 23 of a 20-bit bitmap
        Assert.Contains("past its end", Assert.Throws<ProofFormatException>(() => PageProof.FromBytes(bitmap)).Message);
        Assert.Contains("version 1", Assert.Throws<ProofFormatException>(() => Proof.FromBytes([1, 1, .. bytes[2..]])).Message);
        Assert.Contains("kind 4", Assert.Throws<ProofFormatException>(() => Proof.FromBytes([2, 4, .. bytes[2..]])).Message);
        Assert.Throws<ProofFormatException>(() => AbsenceProof.FromBytes(bytes));                    // a page proof is not an absence proof

        var range = _index.ProveRange(_root, [new MemoryRange(_leaves[2].Id, 0, 100), new MemoryRange(_leaves[5].Id, 0, 0)])!.Proof;
        Assert.Contains("ascending", Assert.Throws<ProofFormatException>(() => RangeProof.FromBytes(ProofEncoder.Range(range, order: [1, 0]))).Message);
        Assert.Contains("ascending", Assert.Throws<ProofFormatException>(() => RangeProof.FromBytes(ProofEncoder.Range(range, order: [0, 0]))).Message);
        // A depth that puts a leaf where another proven contract still shares its bits.
        Assert.Contains("shares its first", Assert.Throws<ProofFormatException>(() => RangeProof.FromBytes(ProofEncoder.Range(range, depthOf: _ => 0))).Message);
    }

    [Fact]
    public void Pages_at_or_beyond_the_memory_length_are_refused_by_prover_and_verifier()
    {
        var leaf = _leaves[3]; // 65536 bytes: pages 0..15
        Assert.NotNull(_index.ProvePage(_root, leaf.Id, 15));
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => _index.ProvePage(_root, leaf.Id, 16));
        Assert.Contains("beyond the memory length", beyond.Message);

        // The proof today's code would have accepted: page 16 of the tree (zeros) with real siblings.
        var real = _index.ProvePage(_root, leaf.Id, 0)!;
        var forged = ProofEncoder.Page(real, pageIndex: 16);
        Assert.Contains("beyond the memory length 65536", Assert.Throws<ProofFormatException>(() => PageProof.FromBytes(forged)).Message);
        Assert.False(ProofVerifier.VerifyPage(forged, _root, ZeroPage));
    }
}
