using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Storage;
using Xunit;

namespace Piecrust.Tests.Merkle;

public sealed class ProofTests : IDisposable
{
    private readonly PageStore _store = MerkleIndex.EphemeralStore();
    private readonly MerkleIndex _index;
    private readonly StagedObjects _staged = new();
    private readonly Hash _root;
    private readonly ContractLeaf[] _leaves;
    private readonly Dictionary<(ContractId, ulong), byte[]> _pages = new();

    public ProofTests()
    {
        _index = new MerkleIndex(_store);
        var root = Domain.EmptyState;
        var leaves = new List<ContractLeaf>();
        for (int c = 0; c < 12; c++)
        {
            bool is64 = c % 4 == 3;
            int height = PageTree.HeightFor(is64);
            var changes = new List<PageChange>();
            for (int p = 0; p < 3; p++)
            {
                ulong pageIndex = (ulong)((c * 7919 + p * 104729) % (1 << 20)) * (is64 ? 1000UL : 1UL);
                var bytes = StoreFixture.Page(c * 10 + p);
                var leafId = MerkleIndexTests.Leaf(c, default).Id;
                _pages[(leafId, pageIndex)] = bytes;
                changes.Add(new PageChange(pageIndex, _staged.AddPage(bytes)));
            }
            var tree = _index.UpdatePages(PageTree.EmptyRoot(height), height, changes.OrderBy(x => x.Index).ToArray(), _staged);
            var leaf = MerkleIndexTests.Leaf(c, tree, memoryLength: is64 ? 1UL << 42 : 1UL << 32, is64: is64);
            Assert.Equal(leaf.Bytecode, _staged.AddBytecode(MerkleIndexTests.BytecodeOf(c)));
            leaves.Add(leaf);
            root = _index.SetContract(root, leaf, _staged);
        }
        _store.WriteCommit(root, ObjectRef.Node(root), null, _staged);
        _root = root;
        _leaves = leaves.ToArray();
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Every_page_proof_verifies_against_the_root()
    {
        foreach (var ((id, pageIndex), bytes) in _pages)
        {
            var proof = _index.ProvePage(_root, id, pageIndex)!;
            Assert.True(ProofVerifier.VerifyPage(proof, _root, bytes));
            Assert.True(ProofVerifier.VerifyPage(proof.ToBytes(), _root, bytes));
            Assert.Equal(_leaves.Single(l => l.Id == id).Owner.ToArray(), proof.Owner.ToArray());
        }
    }

    [Fact]
    public void A_proof_of_a_zero_page_verifies_against_zeros_only()
    {
        var leaf = _leaves[0];
        var proof = _index.ProvePage(_root, leaf.Id, 999_999)!;
        Assert.True(ProofVerifier.VerifyPage(proof, _root, new byte[PageStore.PageSize]));
        Assert.False(ProofVerifier.VerifyPage(proof, _root, StoreFixture.Page(1)));
    }

    [Fact]
    public void Any_flipped_bit_in_proof_root_or_page_fails_verification()
    {
        var ((id, pageIndex), page) = _pages.First();
        var proof = _index.ProvePage(_root, id, pageIndex)!.ToBytes();
        Assert.True(ProofVerifier.VerifyPage(proof, _root, page));

        for (int bit = 0; bit < proof.Length * 8; bit++)
        {
            var tampered = (byte[])proof.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ProofVerifier.VerifyPage(tampered, _root, page), $"proof bit {bit} flipped still verifies");
        }
        var rootBytes = _root.ToArray();
        for (int bit = 0; bit < rootBytes.Length * 8; bit++)
        {
            var tampered = (byte[])rootBytes.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ProofVerifier.VerifyPage(proof, Hash.FromBytes(tampered), page), $"root bit {bit} flipped still verifies");
        }
        for (int bit = 0; bit < page.Length * 8; bit += 7)
        {
            var tampered = (byte[])page.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ProofVerifier.VerifyPage(proof, _root, tampered), $"page bit {bit} flipped still verifies");
        }
    }

    [Fact]
    public void A_proof_does_not_verify_for_another_page_index_or_truncated()
    {
        var ((id, pageIndex), page) = _pages.First();
        var proof = _index.ProvePage(_root, id, pageIndex)!;
        var moved = new PageProof(proof.Contract, proof.Bytecode, proof.Owner, proof.MemoryLength, proof.Is64,
            proof.PageIndex ^ 1, proof.PageSiblings, proof.ContractSiblings);
        Assert.False(ProofVerifier.VerifyPage(moved, _root, page));
        var bytes = proof.ToBytes();
        for (int length = 0; length < bytes.Length; length += 13)
            Assert.False(ProofVerifier.VerifyPage(bytes.AsSpan(0, length), _root, page));
        Assert.Throws<ProofFormatException>(() => PageProof.FromBytes([2, 1]));
    }

    [Fact]
    public void Absent_contracts_have_verifying_absence_proofs_and_present_ones_none()
    {
        int emptyTerminals = 0, leafTerminals = 0;
        for (int i = 100; i < 160; i++)
        {
            var id = MerkleIndexTests.Leaf(i, default).Id;
            var proof = _index.ProveAbsence(_root, id)!;
            Assert.True(ProofVerifier.VerifyAbsence(proof, _root, id));
            Assert.True(ProofVerifier.VerifyAbsence(proof.ToBytes(), _root, id));
            Assert.False(ProofVerifier.VerifyAbsence(proof, _root, MerkleIndexTests.Leaf(i + 1, default).Id));
            if (proof.Other is null) emptyTerminals++; else leafTerminals++;
        }
        Assert.True(emptyTerminals > 0 && leafTerminals > 0, $"empty {emptyTerminals}, leaf {leafTerminals}");
        foreach (var leaf in _leaves)
        {
            Assert.Null(_index.ProveAbsence(_root, leaf.Id));
            Assert.Null(_index.ProvePage(_root, MerkleIndexTests.Leaf(1000, default).Id, 0));
        }
    }

    [Fact]
    public void An_absence_proof_cannot_be_reused_for_a_present_contract_or_tampered()
    {
        var absent = MerkleIndexTests.Leaf(100, default).Id;
        var proof = _index.ProveAbsence(_root, absent)!;
        var bytes = proof.ToBytes();
        for (int bit = 0; bit < bytes.Length * 8; bit++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ProofVerifier.VerifyAbsence(tampered, _root, absent), $"absence proof bit {bit} flipped still verifies");
        }
        foreach (var leaf in _leaves)
        {
            // Reusing the path for a present id: refused on construction when the terminal leaves the path, else it does not verify.
            AbsenceProof reused;
            try
            {
                reused = new AbsenceProof(leaf.Id, proof.ContractSiblings, proof.Other);
            }
            catch (ArgumentException)
            {
                continue;
            }
            Assert.False(ProofVerifier.VerifyAbsence(reused, _root, leaf.Id));
        }
    }

    [Fact]
    public void The_empty_state_proves_every_contract_absent()
    {
        var id = MerkleIndexTests.Leaf(5, default).Id;
        var proof = _index.ProveAbsence(Domain.EmptyState, id)!;
        Assert.Empty(proof.ContractSiblings);
        Assert.True(ProofVerifier.VerifyAbsence(proof, Domain.EmptyState, id));
        Assert.False(ProofVerifier.VerifyAbsence(proof, _root, id));
    }
}
