using BenchmarkDotNet.Attributes;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue H: verification of a range proof of <see cref="Pages"/> pages (page-aligned, starting at
/// <see cref="ProofBench.ProvenPage"/>) of the full 4 GiB memory among 1,000,000 contracts
/// (<see cref="ProofState"/>), against hashing raw the same inputs a verifier must hash.
/// The <c>ProofBytes</c> column is the range proof's size, <c>PageProofsBytes</c> the size of the
/// page proofs it replaces, together.
/// </summary>
/// <remarks>
/// <para><b>RawHashes</b> (baseline): raw BLAKE3 of inputs of the sizes and number the verification
/// hashes (<see cref="VerifierWork"/>: the pages, their leaves, the page-tree nodes of the
/// multiproof, memory root, owner, contract leaf, contract path).
/// <b>VerifyRange</b>: <see cref="ProofVerifier.VerifyRange(ReadOnlySpan{byte}, Hash, ReadOnlySpan{byte})"/>
/// from the serialized proof. <b>VerifyPageProofs</b>: the same pages proven one page proof each,
/// all verified from their bytes: what the multiproof saves.</para>
/// </remarks>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage, Categories.Proof)]
public class RangeProofBench
{
    /// <summary>Pages in the range.</summary>
    [Params(1, 2, 16, 256)]
    public int Pages { get; set; }

    private byte[] _proof = [];
    private byte[] _data = [];
    private byte[][] _pageProofs = [];
    private byte[][] _pages = [];
    private Hash _root;
    private SortedDictionary<int, int> _work = new();
    private readonly byte[] _input = new byte[PageStore.PageSize];
    private readonly byte[] _digest = new byte[Hash.Size];

    /// <summary>Opens (or builds) the state, makes the proofs and checks them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (store, state) = ProofState.OpenOrBuild(message => Metrics.Note(this, message));
        ulong first = ProofBench.ProvenPage;
        RangeProof range;
        using (store)
        {
            var index = new MerkleIndex(store);
            _root = state.Root;
            var proven = index.ProveRange(_root, [new MemoryRange(state.Big, first * PageStore.PageSize, (ulong)Pages * PageStore.PageSize)])
                ?? throw new InvalidOperationException("The big contract is missing from the proof state.");
            range = proven.Proof;
            _proof = range.ToBytes();
            _data = proven.Data.ToArray();
            _pageProofs = Enumerable.Range(0, Pages).Select(p => index.ProvePage(_root, state.Big, first + (ulong)p)!.ToBytes()).ToArray();
        }
        _pages = Enumerable.Range(0, Pages).Select(p => ProofState.Page(first + (ulong)p)).ToArray();
        _work = VerifierWork.Of(range);
        new Random(1).NextBytes(_input);
        if (!ProofVerifier.VerifyRange(_proof, _root, _data) || !VerifyPageProofs())
            throw new InvalidOperationException("The proofs do not verify.");
        _data[0] ^= 1;
        if (ProofVerifier.VerifyRange(_proof, _root, _data)) throw new InvalidOperationException("The range proof verifies changed data.");
        _data[0] ^= 1;

        Metrics.Record(this, Metrics.ProofBytes, _proof.Length);
        Metrics.Record(this, Metrics.PageProofsBytes, _pageProofs.Sum(p => p.Length));
        Metrics.Note(this, $"range proof {_proof.Length} bytes, {Pages} page proofs {_pageProofs.Sum(p => p.Length)} bytes; " +
            $"{range.Entries[0].PageSiblings.Count} page siblings, contract depth {range.Entries[0].Depth}; " +
            $"verification hashes {VerifierWork.Count(_work)} inputs ({string.Join(", ", _work.Select(w => $"{w.Value}×{w.Key} B"))})");
    }

    /// <summary>Raw BLAKE3 of the inputs the verification hashes.</summary>
    [Benchmark(Baseline = true)]
    public byte[] RawHashes()
    {
        VerifierWork.HashRaw(_work, _input, _digest);
        return _digest;
    }

    /// <summary>Parse and verify the range proof.</summary>
    [Benchmark]
    public bool VerifyRange() => ProofVerifier.VerifyRange(_proof, _root, _data);

    /// <summary>Parse and verify one page proof per page.</summary>
    [Benchmark]
    public bool VerifyPageProofs()
    {
        bool all = true;
        for (int i = 0; i < _pageProofs.Length; i++) all &= ProofVerifier.VerifyPage(_pageProofs[i], _root, _pages[i]);
        return all;
    }
}
