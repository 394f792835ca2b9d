using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// The state <see cref="ProofBench"/> proves against: 1,000,000 contracts, one of which has a full
/// 4 GiB memory (all 2^20 pages non-zero and distinct: page i holds i in its first 8 bytes and 0xA5
/// in its ninth); the others share the empty page tree, one bytecode and one 32-byte owner.
/// Built through the public API only (<see cref="StagedObjects.AddPage"/>, <see cref="MerkleIndex.UpdatePages"/>,
/// <see cref="MerkleIndex.SetContract"/>, <see cref="PageStore.WriteCommit"/>) in batches, each batch
/// one commit. Building takes minutes, so it happens once per run: the store lives in
/// <see cref="BenchRun.Directory"/> and later benchmark processes reopen it.
/// </summary>
internal sealed record ProofState(Hash Root, ContractId Big, double MemorySeconds, double ContractsSeconds, long StoreBytes)
{
    public const int ContractCount = 1_000_000;
    public const int MemoryPages = 1 << 20;
    private const int PageBatch = 1 << 15;
    private const int ContractBatch = 1 << 15;
    private const string Version = "v1";

    /// <summary>The contract with the 4 GiB memory.</summary>
    public static readonly ContractId BigContract = new(Hash.Of("piecrust bench: the contract with a full memory"u8));

    /// <summary>The bytes of page <paramref name="index"/> of the big contract's memory.</summary>
    public static byte[] Page(ulong index)
    {
        var page = new byte[PageStore.PageSize];
        WritePage(page, index);
        return page;
    }

    private static void WritePage(Span<byte> page, ulong index)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, index);
        page[8] = 0xA5;
    }

    /// <summary>Opens the store of this run, building it first if no earlier process did.</summary>
    public static (PageStore Store, ProofState State) OpenOrBuild(Action<string> log)
    {
        string directory = Path.Combine(BenchRun.Directory, "proof-store-" + Version);
        string marker = Path.Combine(BenchRun.Directory, "proof-store-" + Version + ".built");
        if (!File.Exists(marker))
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            var built = Build(directory, log);
            File.WriteAllLines(marker,
            [
                built.Root.ToString(),
                built.MemorySeconds.ToString("R", CultureInfo.InvariantCulture),
                built.ContractsSeconds.ToString("R", CultureInfo.InvariantCulture),
                built.StoreBytes.ToString(CultureInfo.InvariantCulture),
            ]);
        }
        var lines = File.ReadAllLines(marker);
        var state = new ProofState(Hash.Parse(lines[0]), BigContract,
            double.Parse(lines[1], CultureInfo.InvariantCulture), double.Parse(lines[2], CultureInfo.InvariantCulture),
            long.Parse(lines[3], CultureInfo.InvariantCulture));
        return (MerkleIndex.OpenStore(directory, new PageStoreOptions { Durable = false }), state);
    }

    private static ProofState Build(string directory, Action<string> log)
    {
        using var store = MerkleIndex.OpenStore(directory, new PageStoreOptions { Durable = false });
        var index = new MerkleIndex(store);
        Hash? parent = null;

        // The 4 GiB memory: one batch of pages per commit, page bytes in one reused buffer.
        var watch = Stopwatch.StartNew();
        var buffer = new byte[PageBatch * PageStore.PageSize];
        var changes = new PageChange[PageBatch];
        var pageTree = PageTree.EmptyRoot(PageTree.Height32);
        for (int start = 0; start < MemoryPages; start += PageBatch)
        {
            var staged = new StagedObjects();
            for (int j = 0; j < PageBatch; j++)
            {
                var page = buffer.AsMemory(j * PageStore.PageSize, PageStore.PageSize);
                WritePage(page.Span, (ulong)(start + j));
                changes[j] = new PageChange((ulong)(start + j), staged.AddPage(page));
            }
            pageTree = index.UpdatePages(pageTree, PageTree.Height32, changes, staged);
            store.WriteCommit(pageTree, ObjectRef.Node(pageTree), parent, staged);
            parent = pageTree;
        }
        double memorySeconds = watch.Elapsed.TotalSeconds;
        log($"4 GiB memory ({MemoryPages} pages) staged and committed in {memorySeconds:F1} s");

        // The contract tree: ids inserted in ascending order (the tree is canonical, so the order only
        // changes how many staged nodes are superseded, not the root), one batch per commit.
        watch.Restart();
        var ids = new ContractId[ContractCount];
        ids[0] = BigContract;
        Span<byte> seed = stackalloc byte[8];
        for (int i = 1; i < ContractCount; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(seed, i);
            ids[i] = new ContractId(Hash.Of(seed));
        }
        Array.Sort(ids);
        var bytecode = "piecrust bench: shared bytecode"u8.ToArray();
        var bytecodeKey = Hash.Of(bytecode);
        var owner = Enumerable.Range(1, 32).Select(b => (byte)b).ToArray();
        var emptyTree = PageTree.EmptyRoot(PageTree.Height32);
        var root = Domain.EmptyState;
        for (int start = 0; start < ContractCount; start += ContractBatch)
        {
            var staged = new StagedObjects();
            if (start == 0) staged.AddBytecode(bytecode);
            for (int i = start; i < Math.Min(start + ContractBatch, ContractCount); i++)
            {
                bool big = ids[i] == BigContract;
                var leaf = new ContractLeaf(ids[i], bytecodeKey, owner, big ? pageTree : emptyTree,
                    big ? 1UL << 32 : 65536, Is64: false);
                root = index.SetContract(root, leaf, staged);
            }
            store.WriteCommit(root, ObjectRef.Node(root), parent, staged);
            parent = root;
        }
        double contractsSeconds = watch.Elapsed.TotalSeconds;
        log($"{ContractCount} contracts inserted and committed in {contractsSeconds:F1} s");

        long bytes = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new ProofState(root, BigContract, memorySeconds, contractsSeconds, bytes);
    }
}
