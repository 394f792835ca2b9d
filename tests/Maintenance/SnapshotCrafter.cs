using System.Buffers.Binary;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tests.Maintenance;

/// <summary>
/// Builds snapshots of states no engine writes, to check that an import refuses the ones breaking a
/// rule and takes the legal ones. It loads a real snapshot (parsed, not validated) into a store of its
/// own, edits the state with the index's public API — which, unlike an import, takes any leaf — or
/// with raw nodes, and exports the result. Public API only, so the property tests link this file too.
/// </summary>
internal sealed class SnapshotCrafter : IDisposable
{
    private const byte ContractBranchTag = 0x21;
    private const byte PageBranchTag = 0x11;

    private readonly PageStore _store;
    private readonly bool _ownsStore;
    private readonly MerkleIndex _index;
    private readonly StagedObjects _staged = new();

    /// <summary>
    /// Loads the state of <paramref name="snapshot"/> (as <see cref="VM.Export"/> writes it) into
    /// <paramref name="store"/> (a store opened with <see cref="NodeLayout.Instance"/> that only
    /// crafters use; opening one costs more than crafting), or into an ephemeral store of its own.
    /// </summary>
    public SnapshotCrafter(byte[] snapshot, PageStore? store = null)
    {
        _ownsStore = store is null;
        _store = store ?? MerkleIndex.EphemeralStore();
        _index = new MerkleIndex(_store);
        foreach (var (kind, bytes) in Records(snapshot))
        {
            switch (kind)
            {
                case ObjectKind.Page: _staged.AddPage(bytes); break;
                case ObjectKind.Node: AddNode(bytes); break;
                default: _staged.AddBytecode(bytes); break;
            }
        }
        SetRoot(Hash.FromBytes(snapshot.AsSpan(10, Hash.Size)));
    }

    /// <summary>The crafted state's root.</summary>
    public Hash Root { get; private set; }

    /// <summary>The leaf of contract <paramref name="id"/> in the crafted state.</summary>
    public ContractLeaf Leaf(ContractId id) => _index.GetContract(Root, id) ?? throw new ArgumentException($"No contract {id} in the crafted state.");

    /// <summary>Every leaf of the crafted state.</summary>
    public IReadOnlyList<ContractLeaf> Leaves => _index.Contracts(Root).ToList();

    /// <summary>Puts <paramref name="leaf"/> into the contract tree (replacing the leaf with its id), whatever it holds.</summary>
    public void SetLeaf(ContractLeaf leaf) => SetRoot(_index.SetContract(Root, leaf, _staged));

    /// <summary>
    /// <paramref name="leaf"/> with <paramref name="pages"/> (index, 4096 bytes; ascending) written into its page tree,
    /// or into a new tree of <paramref name="height"/> levels when given (a tree of another width's height).
    /// </summary>
    public ContractLeaf WithPages(ContractLeaf leaf, IEnumerable<(ulong Index, byte[] Page)> pages, int? height = null)
    {
        var changes = pages.Select(p => new PageChange(p.Index, _staged.AddPage(p.Page))).ToArray();
        var root = height is { } h ? PageTree.EmptyRoot(h) : leaf.PageTreeRoot;
        return leaf with { PageTreeRoot = _index.UpdatePages(root, height ?? leaf.Height, changes, _staged) };
    }

    /// <summary>Stages a page and returns its key.</summary>
    public Hash AddPage(byte[] page) => _staged.AddPage(page);

    /// <summary>Stages bytecode and returns its hash.</summary>
    public Hash AddBytecode(byte[] bytecode) => _staged.AddBytecode(bytecode);

    /// <summary>Stages a raw node (well-formed bytes) and returns its key.</summary>
    public Hash AddNode(byte[] node)
    {
        var key = NodeLayout.Instance.KeyOf(node);
        _staged.AddNode(key, node);
        return key;
    }

    /// <summary>Makes node <paramref name="root"/> (staged or loaded) the crafted state's root.</summary>
    public void SetRoot(Hash root)
    {
        _store.WriteCommit(root, ObjectRef.Node(root), parent: null, _staged);
        Root = root;
    }

    /// <summary>The crafted state as a snapshot.</summary>
    public byte[] Export()
    {
        var output = new MemoryStream();
        StateSnapshot.Export(_store, Root, output);
        return output.ToArray();
    }

    /// <summary>A contract-tree branch (<see cref="Domain.EmptyState"/> for an empty side), stored form.</summary>
    public static byte[] ContractBranch(Hash left, Hash right) => Branch([ContractBranchTag], left, right, Domain.EmptyState);

    /// <summary>A page-tree branch of <paramref name="level"/> (empty sides as <see cref="PageTree.EmptyChild"/>), stored form.</summary>
    public static byte[] PageBranch(int level, Hash left, Hash right) => Branch([PageBranchTag, (byte)level], left, right, PageTree.EmptyChild(level));

    private static byte[] Branch(byte[] header, Hash left, Hash right, Hash empty)
    {
        var node = new List<byte>(header) { (byte)((left != empty ? 1 : 0) | (right != empty ? 2 : 0)) };
        if (left != empty) node.AddRange(left.ToArray());
        if (right != empty) node.AddRange(right.ToArray());
        return [.. node];
    }

    /// <summary>A page of <paramref name="fill"/> bytes.</summary>
    public static byte[] Page(byte fill) => Enumerable.Repeat(fill, PageStore.PageSize).ToArray();

    /// <summary>The records of a snapshot, in order.</summary>
    public static List<(ObjectKind Kind, byte[] Bytes)> Records(byte[] snapshot)
    {
        var records = new List<(ObjectKind, byte[])>();
        int offset = StateSnapshot.HeaderLength;
        while (snapshot[offset] != 0xFF)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(offset + 1));
            records.Add(((ObjectKind)snapshot[offset], snapshot.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }
        return records;
    }

    public void Dispose()
    {
        if (_ownsStore) _store.Dispose();
    }
}
