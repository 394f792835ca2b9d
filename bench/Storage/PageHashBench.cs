using BenchmarkDotNet.Attributes;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue A: what the store and the index pay per hash, against raw BLAKE3 (<c>Blake3.Hasher.Hash(span, out)</c>)
/// of the same bytes. Three groups, each with its own raw baseline:
/// <list type="bullet">
/// <item><b>PageHash</b>: <see cref="PageStore.PageKey"/> of a 4 KiB page (the key of every stored page).</item>
/// <item><b>LeafHash</b>: <see cref="Domain.HashPageLeaf"/>, H(0x00 ‖ page key): 33 bytes.</item>
/// <item><b>NodeHash</b>: <see cref="Domain.HashPair"/>, H(0x01 ‖ left ‖ right): 65 bytes, the unit of
/// every tree update and proof step; and <see cref="NodeLayout.KeyOf"/> of a stored branch (decode and
/// hash: what every node read from the store pays to be verified).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.Storage)]
public class PageHashBench
{
    private readonly byte[] _page = BenchPages.Make(PageContent.Sparse, new Random(7));
    private readonly byte[] _leafInput = new byte[1 + Hash.Size];
    private readonly byte[] _pairInput = new byte[1 + 2 * Hash.Size];
    private readonly byte[] _digest = new byte[Hash.Size];
    private Hash _left, _right;
    private byte[] _storedBranch = [];

    /// <summary>Fills the inputs and encodes one page-tree branch as the store holds it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _left = Hash.Of("left"u8);
        _right = Hash.Of("right"u8);
        _leafInput[0] = Domain.PageLeaf;
        _left.CopyTo(_leafInput.AsSpan(1));
        _pairInput[0] = Domain.PageInternal;
        _left.CopyTo(_pairInput.AsSpan(1));
        _right.CopyTo(_pairInput.AsSpan(1 + Hash.Size));

        // A level-5 branch with both children, stored by the index: read it back through a commit.
        using var store = MerkleIndex.EphemeralStore();
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var changes = new[] { new PageChange(0, staged.AddPage(_page)), new PageChange(31, staged.AddPage(BenchPages.Make(PageContent.Sparse, new Random(8)))) };
        var root = index.UpdatePages(PageTree.EmptyRoot(PageTree.Height32), PageTree.Height32, changes, staged);
        store.WriteCommit(root, ObjectRef.Node(root), null, staged);
        _storedBranch = store.Keys(ObjectKind.Node)
            .Select(store.ReadNode)
            .First(node => node.Length == 3 + 2 * Hash.Size && node[1] > 1);
    }

    /// <summary>Raw BLAKE3 of 4096 bytes.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Categories.PageHash)]
    public byte[] RawPage()
    {
        Blake3.Hasher.Hash(_page, _digest);
        return _digest;
    }

    /// <summary>The store's page key.</summary>
    [Benchmark, BenchmarkCategory(Categories.PageHash)]
    public Hash PageKey() => PageStore.PageKey(_page);

    /// <summary>The Blake3 package's hash of one page: what <see cref="PageStore.PageKey"/> cost before it used the store's page hasher.</summary>
    [Benchmark, BenchmarkCategory(Categories.PageHash)]
    public Hash PageKeyPackage() => Hash.Of(_page);

    /// <summary>Raw BLAKE3 of 33 bytes.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Categories.LeafHash)]
    public byte[] RawLeaf()
    {
        Blake3.Hasher.Hash(_leafInput, _digest);
        return _digest;
    }

    /// <summary>The page-tree leaf hash.</summary>
    [Benchmark, BenchmarkCategory(Categories.LeafHash)]
    public Hash PageLeaf() => Domain.HashPageLeaf(_left);

    /// <summary>Raw BLAKE3 of 65 bytes.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Categories.NodeHash)]
    public byte[] RawNode()
    {
        Blake3.Hasher.Hash(_pairInput, _digest);
        return _digest;
    }

    /// <summary>The page-tree internal-node hash.</summary>
    [Benchmark, BenchmarkCategory(Categories.NodeHash)]
    public Hash InternalNode() => Domain.HashPair(Domain.PageInternal, _left, _right);

    /// <summary>Verifying a stored branch: decode it and hash its children.</summary>
    [Benchmark, BenchmarkCategory(Categories.NodeHash)]
    public Hash VerifyStoredNode() => NodeLayout.Instance.KeyOf(_storedBranch);
}
