using BenchmarkDotNet.Attributes;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue A, target "page proof ≤ 2 KiB": a proof of one page of a full 4 GiB memory (2^20 distinct
/// non-zero pages) of one contract among 1,000,000 (see <see cref="ProofState"/>; built once per run).
/// The <c>ProofBytes</c> column is the serialized size (<see cref="PageProof.ToBytes"/>).
/// </summary>
/// <remarks>
/// <para><b>RawNodes</b> (baseline): as many raw 65-byte BLAKE3 hashes as the proof has siblings
/// (20 page-tree levels + the contract's depth in the contract tree), each fed the previous digest.</para>
/// <para><b>RawPageAndNodes</b>: the same plus raw BLAKE3 of the 4 KiB page — the hashing no verifier
/// can skip. <b>Verify</b>: <see cref="ProofVerifier.VerifyPage(PageProof, Hash, ReadOnlySpan{byte})"/>
/// (page hash, leaf hash, the sibling folds, memory root, owner hash, contract leaf).
/// <b>VerifySerialized</b>: the same from the proof's bytes (parsing included), as a light client gets it.</para>
/// </remarks>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage, Categories.Proof)]
public class ProofBench
{
    /// <summary>The proven page: somewhere in the middle of the memory.</summary>
    public const ulong ProvenPage = 0x5A5A5;

    private PageProof _proof = null!;
    private byte[] _proofBytes = [];
    private byte[] _page = [];
    private Hash _root;
    private int _siblings;
    private readonly byte[] _nodeInput = new byte[1 + 2 * Hash.Size];
    private readonly byte[] _digest = new byte[Hash.Size];

    /// <summary>Opens (or builds) the state, makes the proof and checks it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (store, state) = ProofState.OpenOrBuild(message => Metrics.Note(this, message));
        using (store)
        {
            var index = new MerkleIndex(store);
            _root = state.Root;
            _proof = index.ProvePage(_root, state.Big, ProvenPage)
                ?? throw new InvalidOperationException("The big contract is missing from the proof state.");
        }
        _proofBytes = _proof.ToBytes();
        _page = ProofState.Page(ProvenPage);
        _siblings = _proof.PageSiblings.Count + _proof.ContractSiblings.Count;
        if (!ProofVerifier.VerifyPage(_proofBytes, _root, _page))
            throw new InvalidOperationException("The proof does not verify.");
        if (ProofVerifier.VerifyPage(_proofBytes, _root, ProofState.Page(ProvenPage + 1)))
            throw new InvalidOperationException("The proof verifies the wrong page.");

        Metrics.Record(this, Metrics.ProofBytes, _proofBytes.Length);
        Metrics.Note(this, $"proof {_proofBytes.Length} bytes (target ≤ 2048: {(_proofBytes.Length <= 2048 ? "met" : "NOT met")}); " +
            $"{_proof.PageSiblings.Count} page-tree siblings ({_proof.PageSiblings.Where((h, level) => h != PageTree.EmptyRoot(level)).Count()} non-empty), " +
            $"contract depth {_proof.ContractSiblings.Count}, owner {_proof.Owner.Length} bytes");
        Metrics.Note(this, $"state of {ProofState.ContractCount} contracts: memory built in {state.MemorySeconds:F1} s, " +
            $"contracts in {state.ContractsSeconds:F1} s, store {state.StoreBytes / (1 << 20)} MiB on disk");
    }

    /// <summary>One raw 65-byte hash per proof sibling.</summary>
    [Benchmark(Baseline = true)]
    public byte[] RawNodes()
    {
        for (int i = 0; i < _siblings; i++) HashNode();
        return _digest;
    }

    /// <summary>Raw hash of the page, then one raw 65-byte hash per sibling.</summary>
    [Benchmark]
    public byte[] RawPageAndNodes()
    {
        Blake3.Hasher.Hash(_page, _digest);
        for (int i = 0; i < _siblings; i++) HashNode();
        return _digest;
    }

    /// <summary>Verify the parsed proof.</summary>
    [Benchmark]
    public bool Verify() => ProofVerifier.VerifyPage(_proof, _root, _page);

    /// <summary>Parse and verify the serialized proof.</summary>
    [Benchmark]
    public bool VerifySerialized() => ProofVerifier.VerifyPage(_proofBytes, _root, _page);

    private void HashNode()
    {
        Blake3.Hasher.Hash(_nodeInput, _digest);
        _digest.CopyTo(_nodeInput, 1);
    }
}
