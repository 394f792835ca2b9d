using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Storage;
using Xunit;

namespace Piecrust.Tests.Merkle;

/// <summary>
/// Range proofs (multiproofs) of committed states: byte ranges of any alignment, several contracts
/// in one proof, sizes against the page proofs they replace, and what they refuse.
/// </summary>
public sealed class RangeProofTests : IDisposable
{
    private const ulong BigLength = 512 * PageStore.PageSize; // 2 MiB, 512 pages
    private readonly PageStore _store = MerkleIndex.EphemeralStore();
    private readonly MerkleIndex _index;
    private readonly Hash _root;
    private readonly ContractLeaf[] _leaves;
    private readonly Dictionary<ContractId, byte[]> _memories = new();

    public RangeProofTests()
    {
        _index = new MerkleIndex(_store);
        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        var leaves = new List<ContractLeaf>();
        for (int c = 0; c < 40; c++)
        {
            // Contract 0 has a 2 MiB memory with most pages written; the others 64 KiB with a few; every fourth is 64-bit.
            bool is64 = c % 4 == 3;
            ulong length = c == 0 ? BigLength : 65536;
            var memory = new byte[length];
            var random = new Random(c);
            int pages = (int)(length / PageStore.PageSize);
            for (int p = 0; p < pages; p++)
                if (c == 0 ? p % 7 != 3 : p % 5 == c % 5)
                    random.NextBytes(memory.AsSpan(p * PageStore.PageSize, c == 0 ? PageStore.PageSize : 100));
            int height = PageTree.HeightFor(is64);
            var changes = Enumerable.Range(0, pages)
                .Select(p => new PageChange((ulong)p, staged.AddPage(memory.AsMemory(p * PageStore.PageSize, PageStore.PageSize))))
                .Where(change => change.Key != PageStore.ZeroPageKey).ToArray();
            var tree = _index.UpdatePages(PageTree.EmptyRoot(height), height, changes, staged);
            var leaf = MerkleIndexTests.Leaf(c, tree, length, is64);
            staged.AddBytecode(MerkleIndexTests.BytecodeOf(c));
            leaves.Add(leaf);
            _memories[leaf.Id] = memory;
            root = _index.SetContract(root, leaf, staged);
        }
        _store.WriteCommit(root, ObjectRef.Node(root), null, staged);
        _root = root;
        _leaves = leaves.ToArray();
    }

    public void Dispose() => _store.Dispose();

    private ContractLeaf Big => _leaves[0];

    public static TheoryData<ulong, ulong> Ranges => new()
    {
        { 0, 1 }, { 4095, 1 }, { 4095, 2 }, { 4096, 4096 }, { 100, 5000 }, { 4000, 8192 * 3 + 17 },
        { 0, BigLength }, { BigLength - 1, 1 }, { 12_345, 123_456 }, { 7 * 4096, 64 * 4096 }, { 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public void A_range_of_any_alignment_verifies_with_the_memory_bytes_only(ulong offset, ulong length)
    {
        var proven = _index.ProveRange(_root, [new MemoryRange(Big.Id, offset, length)])!;
        var expected = _memories[Big.Id].AsSpan((int)offset, (int)length);
        Assert.True(expected.SequenceEqual(proven.Data.Span), "the proven data is not the memory's bytes");
        var bytes = proven.Proof.ToBytes();
        Assert.Equal(bytes, RangeProof.FromBytes(bytes).ToBytes());
        Assert.True(ProofVerifier.VerifyRange(proven.Proof, _root, expected));
        Assert.True(ProofVerifier.VerifyRange(bytes, _root, expected));

        Assert.False(ProofVerifier.VerifyRange(bytes, Domain.EmptyState, expected));
        Assert.False(ProofVerifier.VerifyRange(bytes, Hash.Zero, expected));
        if (length == 0) return;
        var tampered = expected.ToArray();
        tampered[(int)(length / 2)] ^= 0x20;
        Assert.False(ProofVerifier.VerifyRange(bytes, _root, tampered));
        Assert.False(ProofVerifier.VerifyRange(bytes, _root, expected[..^1]));
        Assert.False(ProofVerifier.VerifyRange(bytes, _root, [.. expected, 0]));
    }

    [Fact]
    public void An_empty_range_proves_the_leaf_alone_and_its_page_tree_root()
    {
        var proven = _index.ProveRange(_root, [new MemoryRange(_leaves[5].Id, 0, 0)])!;
        var entry = Assert.Single(proven.Proof.Entries);
        Assert.Equal(_leaves[5].PageTreeRoot, Assert.Single(entry.PageSiblings));
        Assert.Equal(_leaves[5].MemoryLength, entry.MemoryLength);
        Assert.True(ProofVerifier.VerifyRange(proven.Proof.ToBytes(), _root, []));
    }

    [Fact]
    public void Several_contracts_share_one_proof_with_their_bytes_in_id_order()
    {
        var asked = new[] { 17, 3, 0, 38, 22, 9 }.Select(c => _leaves[c])
            .Select((leaf, i) => new MemoryRange(leaf.Id, (ulong)(i * 1000), leaf.MemoryLength - (ulong)(i * 3000))).ToArray();
        var proven = _index.ProveRange(_root, asked)!;
        var ordered = asked.OrderBy(r => r.Contract).ToArray();
        Assert.Equal(ordered.Select(r => r.Contract), proven.Proof.Entries.Select(e => e.Contract));
        var expected = ordered.SelectMany(r => _memories[r.Contract].AsSpan((int)r.Offset, (int)r.Length).ToArray()).ToArray();
        Assert.Equal(expected, proven.Data.ToArray());
        var bytes = proven.Proof.ToBytes();
        Assert.True(ProofVerifier.VerifyRange(bytes, _root, expected));
        Assert.Equal(bytes, RangeProof.FromBytes(bytes).ToBytes());

        // Shared siblings: the joint proof is smaller than the single-contract proofs together.
        long singles = asked.Sum(r => (long)_index.ProveRange(_root, [r])!.Proof.ToBytes().Length);
        Assert.True(bytes.Length < singles, $"joint proof {bytes.Length} bytes, single proofs {singles}");

        // Every contract's bytes matter: swapping two entries' data fails.
        var swapped = expected.ToArray();
        swapped[0] ^= 1;
        Assert.False(ProofVerifier.VerifyRange(bytes, _root, swapped));
    }

    [Fact]
    public void Every_contract_of_the_state_in_one_proof_verifies()
    {
        var all = _leaves.Select(l => new MemoryRange(l.Id, 0, 0)).ToArray();
        var proven = _index.ProveRange(_root, all)!;
        Assert.All(proven.Proof.ContractSiblings, s => Assert.Equal(Domain.EmptyState, s)); // every non-empty subtree holds a proven leaf
        Assert.True(ProofVerifier.VerifyRange(proven.Proof.ToBytes(), _root, []));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(256)]
    public void A_range_proof_is_smaller_than_the_page_proofs_it_replaces(int pages)
    {
        const ulong first = 100;
        var range = _index.ProveRange(_root, [new MemoryRange(Big.Id, first * PageStore.PageSize, (ulong)pages * PageStore.PageSize)])!;
        long single = Enumerable.Range(0, pages).Sum(p => (long)_index.ProvePage(_root, Big.Id, first + (ulong)p)!.ToBytes().Length);
        int size = range.Proof.ToBytes().Length;
        Assert.True(size < single, $"{pages} pages: range proof {size} bytes, page proofs {single} bytes together");
    }

    [Fact]
    public void Ranges_outside_the_memory_absent_contracts_and_repeats_are_refused()
    {
        var small = _leaves[1];
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.ProveRange(_root, [new MemoryRange(small.Id, small.MemoryLength - 10, 11)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.ProveRange(_root, [new MemoryRange(small.Id, small.MemoryLength + 1, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.ProveRange(_root, [new MemoryRange(small.Id, ulong.MaxValue, 2)]));
        Assert.Throws<ArgumentException>(() => _index.ProveRange(_root, []));
        Assert.Throws<ArgumentException>(() => _index.ProveRange(_root, [new MemoryRange(small.Id, 0, 1), new MemoryRange(small.Id, 5, 1)]));
        Assert.Throws<ArgumentException>(() => _index.ProveRange(_root, [new MemoryRange(Big.Id, 0, BigLength), new MemoryRange(small.Id, 0, MerkleIndex.MaxRangeBytes)]));
        var absent = MerkleIndexTests.Leaf(1000, default).Id;
        Assert.Null(_index.ProveRange(_root, [new MemoryRange(small.Id, 0, 1), new MemoryRange(absent, 0, 0)]));

        // The last byte of the memory is provable; the page after it is not, as a page or as a range.
        Assert.NotNull(_index.ProveRange(_root, [new MemoryRange(small.Id, small.MemoryLength - 1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.ProvePage(_root, small.Id, small.MemoryLength / PageStore.PageSize));
    }

    [Fact]
    public void A_range_proof_with_any_flipped_bit_fails_or_states_something_true()
    {
        // The second range lies in a zero page: moving it by a byte (a flipped offset bit, the head growing as
        // the tail shrinks) states other bytes that are zeros too. That is a true statement and may verify.
        var proven = _index.ProveRange(_root, [new MemoryRange(Big.Id, 4000, 200), new MemoryRange(_leaves[7].Id, 0, 10)])!;
        var bytes = proven.Proof.ToBytes();
        Assert.True(ProofVerifier.VerifyRange(bytes, _root, proven.Data.Span));
        int verified = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            // One bit per byte, a different one in each of eight neighbours: most bytes are page bytes (head, tail).
            int bit = i * 8 + i % 8;
            var tampered = (byte[])bytes.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            if (!ProofVerifier.VerifyRange(tampered, _root, proven.Data.Span)) continue;
            verified++;
            AssertTrue(RangeProof.FromBytes(tampered), proven.Data.Span, $"bit {bit}");
        }
        Assert.True(verified < 64, $"{verified} one-bit changes verified");
    }

    // Every entry's leaf fields are the contract's and the data is its memory's bytes at the entry's range.
    private void AssertTrue(RangeProof proof, ReadOnlySpan<byte> data, string what)
    {
        int at = 0;
        foreach (var entry in proof.Entries)
        {
            var leaf = _leaves.Single(l => l.Id == entry.Contract);
            Assert.True(leaf.MemoryLength == entry.MemoryLength && leaf.Is64 == entry.Is64 && leaf.Bytecode == entry.Bytecode
                && leaf.Owner.Span.SequenceEqual(entry.Owner.Span), $"{what}: a verified proof states other leaf fields");
            var memory = _memories[leaf.Id].AsSpan((int)entry.Offset, (int)entry.Length);
            Assert.True(memory.SequenceEqual(data.Slice(at, (int)entry.Length)), $"{what}: a verified proof states bytes the memory does not hold");
            at += (int)entry.Length;
        }
    }
}
