using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Reads and verifies a <see cref="StateSnapshot"/> as it streams in, staging only objects the state
/// reaches, and writes the commit only once everything holds. Records come parents first, so each one
/// is checked on arrival: it must be referenced by a record before it (or be the root), fit the place
/// that reference gives it (<see cref="StateRules"/>), and, for bytecode, pass the engine's module
/// validation. Garbage is therefore refused at its first bad record, having staged nothing but valid
/// objects. Every failure is an <see cref="InvalidSnapshotException"/> raised before the write. Single use.
/// </summary>
internal sealed class SnapshotImporter(PageStore store, Stream input, IBytecodeValidator validator, IProgress<MaintenanceProgress>? progress)
{
    private const int RecordHeaderLength = 5;

    /// <summary>An object some record (or the header) references: where it must sit, who referenced it first, whether it arrived.</summary>
    private struct Expected
    {
        public StatePlace Place;
        public ObjectRef? Referrer;
        public ContractLeaf? TreeOf;
        public bool Received;
    }

    private readonly StagedObjects _staged = new();
    private readonly Dictionary<ObjectRef, Expected> _expected = new();
    private readonly Dictionary<Hash, BytecodeVerdict> _verdicts = new();
    private readonly List<ContractLeaf> _leaves = new();
    private readonly List<(ObjectRef Child, StatePlace Place)> _children = new();
    private readonly long _length = input.CanSeek ? Math.Max(0, input.Length - input.Position) : 0;
    private Blake3.Hasher _hasher = Blake3.Hasher.New();
    private long _offset;
    private long _records;

    public SnapshotInfo Read()
    {
        try
        {
            return ReadVerified();
        }
        catch (IOException e)
        {
            throw new InvalidSnapshotException($"The snapshot cannot be read: {e.Message}", e);
        }
        finally
        {
            _hasher.Dispose();
        }
    }

    private SnapshotInfo ReadVerified()
    {
        Span<byte> header = stackalloc byte[StateSnapshot.HeaderLength];
        ReadExactly(header, "its header");
        if (!header[..8].SequenceEqual(StateSnapshot.Magic))
            throw Invalid("it does not start with the snapshot magic 'PCSNAPSH' (not a state snapshot)");
        if (header[8] != StateSnapshot.Version)
            throw Invalid($"it has format version {header[8]}; this program reads version {StateSnapshot.Version}");
        if (header[9] > StateSnapshot.RootIsNode)
            throw Invalid($"its header flags 0x{header[9]:x2} are unknown");
        bool rootIsNode = header[9] == StateSnapshot.RootIsNode;
        var root = Hash.FromBytes(header[10..]);
        if (rootIsNode == (root == Domain.EmptyState))
            throw Invalid(rootIsNode ? "its root is the empty state but is flagged as a node" : $"its root {root} is not the empty state but is not flagged as a node");
        if (rootIsNode) _expected[ObjectRef.Node(root)] = new Expected { Place = StatePlace.Root };

        long pages = 0, nodes = 0, bytecodes = 0;
        Span<byte> recordHeader = stackalloc byte[RecordHeaderLength];
        while (true)
        {
            ReadExactly(recordHeader[..1], "a record or the trailer");
            if (recordHeader[0] == StateSnapshot.TrailerTag) break;
            ReadExactly(recordHeader[1..], "a record header");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader[1..]);
            switch ((ObjectKind)recordHeader[0])
            {
                case ObjectKind.Page:
                    AddPage(ReadRecord(length, PageStore.PageSize, PageStore.PageSize, "page"));
                    pages++;
                    break;
                case ObjectKind.Node:
                    AddNode(ReadRecord(length, 1, StateSnapshot.MaxNodeLength, "node"));
                    nodes++;
                    break;
                case ObjectKind.Bytecode:
                    AddBytecode(ReadRecord(length, 1, validator.MaxBytecodeLength, "bytecode"));
                    bytecodes++;
                    break;
                default:
                    throw Invalid($"a record at byte {_offset - RecordHeaderLength} has unknown kind {recordHeader[0]}");
            }
            _records++;
            if (_records % 256 == 0) progress?.Report(new MaintenanceProgress("reading objects", _offset, _length));
        }

        Span<byte> count = stackalloc byte[8];
        ReadExactly(count, "the trailer's record count");
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(count);
        Span<byte> actual = stackalloc byte[Hash.Size];
        _hasher.Finalize(actual);
        Span<byte> expected = stackalloc byte[Hash.Size];
        ReadRaw(expected, "the trailer's hash");
        if (!actual.SequenceEqual(expected))
            throw Invalid("its BLAKE3 checksum does not match its contents (the file is damaged or was altered)");
        if (declared != (ulong)_records)
            throw Invalid($"its trailer counts {declared} records but it holds {_records}");
        if (input.ReadByte() >= 0)
            throw Invalid($"bytes follow its trailer at offset {_offset}");
        progress?.Report(new MaintenanceProgress("reading objects", _offset, _length));

        if (rootIsNode) CheckWhatTheStoreHolds(root);
        CheckLeavesAgainstTheirCode();

        progress?.Report(new MaintenanceProgress("writing commit", 0, 1));
        store.WriteCommit(root, rootIsNode ? ObjectRef.Node(root) : null, parent: null, _staged);
        progress?.Report(new MaintenanceProgress("writing commit", 1, 1));
        return new SnapshotInfo(root, pages, nodes, bytecodes, _offset);
    }

    private void AddPage(byte[] bytes)
    {
        var key = PageStore.PageKey(bytes);
        if (key == PageStore.ZeroPageKey) throw Invalid($"it holds the all-zero page (record ending at byte {_offset}), which is never stored");
        Arrived(ObjectRef.Page(key));
        _staged.AddPage(bytes);
    }

    private void AddNode(byte[] bytes)
    {
        Hash key;
        try
        {
            key = NodeLayout.Instance.KeyOf(bytes);
        }
        catch (CorruptStoreException e)
        {
            throw Invalid($"the node record ending at byte {_offset} is malformed ({e.Message})");
        }
        var reference = ObjectRef.Node(key);
        var expected = Arrived(reference);
        _children.Clear();
        if (StateRules.CheckNode(key, bytes, expected.Place, expected.TreeOf, _children, out var leaf) is { } broken) throw Invalid(broken);
        if (leaf is not null) _leaves.Add(leaf);
        foreach (var (child, place) in _children) Expect(child, place, reference, place.Kind == PlaceKind.PageBranch ? leaf : null);
        _staged.AddNode(key, bytes);
    }

    private void AddBytecode(byte[] bytes)
    {
        var key = Hash.Of(bytes);
        var expected = Arrived(ObjectRef.Bytecode(key));
        var verdict = validator.Validate(bytes);
        if (verdict.Violation is { } violation)
            throw Invalid($"bytecode {key} (of {expected.Referrer}) fails the deploy-time module validation: {violation.TrimEnd('.')}");
        _verdicts[key] = verdict;
        _staged.AddBytecode(bytes);
    }

    /// <summary>Marks an object as arrived: it must be expected (referenced before) and new.</summary>
    private Expected Arrived(ObjectRef reference)
    {
        ref var expected = ref CollectionsMarshal.GetValueRefOrNullRef(_expected, reference);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref expected))
            throw Invalid($"it holds {reference} (record ending at byte {_offset}), which no record before it references: its root does not reach it (records come parents first)");
        if (expected.Received) throw Invalid($"it holds {reference} twice");
        expected.Received = true;
        return expected;
    }

    /// <summary>Records that <paramref name="referrer"/> references <paramref name="child"/> in <paramref name="place"/>; a second reference must agree on the place.</summary>
    private void Expect(ObjectRef child, StatePlace place, ObjectRef referrer, ContractLeaf? treeOf)
    {
        ref var expected = ref CollectionsMarshal.GetValueRefOrAddDefault(_expected, child, out bool exists);
        if (!exists)
        {
            expected = new Expected { Place = place, Referrer = referrer, TreeOf = treeOf };
            return;
        }
        if (expected.Place != place)
            throw Invalid($"{child} is referenced as {expected.Place} (by {Referrer(expected)}) and as {place} (by {referrer}); an object has one place in a state");
    }

    // Objects referenced but not in the snapshot must be in the store already (a stored node's
    // subtree is complete and was checked when it was written); their own place is checked here.
    private void CheckWhatTheStoreHolds(Hash root)
    {
        long done = 0;
        foreach (var (reference, expected) in _expected)
        {
            if (expected.Received) continue;
            if (++done % 1024 == 0) progress?.Report(new MaintenanceProgress("checking stored objects", done, 0));
            if (!store.Contains(reference))
                throw Invalid(expected.Referrer is null
                    ? $"it lacks its root node {root}"
                    : $"it is incomplete: it lacks {reference}, referenced by {expected.Referrer}, and the store does not have it either");
            switch (reference.Kind)
            {
                case ObjectKind.Node:
                    _children.Clear();
                    if (StateRules.CheckNode(reference.Key, store.ReadNode(reference.Key), expected.Place, expected.TreeOf, _children, out _) is { } broken)
                        throw Invalid(broken);
                    break;
                case ObjectKind.Bytecode:
                    _verdicts[reference.Key] = validator.Validate(store.ReadBytecode(reference.Key));
                    break;
            }
        }
    }

    private void CheckLeavesAgainstTheirCode()
    {
        foreach (var leaf in _leaves)
            if (ContractRules.CheckCode(leaf, _verdicts[leaf.Bytecode]) is { } broken) throw Invalid(broken);
    }

    private byte[] ReadRecord(uint length, int min, int max, string what)
    {
        if (length < (uint)min || length > (uint)max)
            throw Invalid($"a {what} record at byte {_offset - RecordHeaderLength} claims {length} bytes (allowed {min}..{max})");
        var bytes = new byte[length];
        ReadExactly(bytes, $"a {length}-byte {what}");
        return bytes;
    }

    private void ReadExactly(Span<byte> destination, string what)
    {
        ReadRaw(destination, what);
        _hasher.Update(destination);
    }

    private void ReadRaw(Span<byte> destination, string what)
    {
        int read = input.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        _offset += read;
        if (read < destination.Length)
            throw Invalid($"it is truncated: it ends at byte {_offset} while reading {what}");
    }

    private static string Referrer(Expected expected) => expected.Referrer is { } referrer ? referrer.ToString() : "its header";

    private static InvalidSnapshotException Invalid(string reason) => new($"Invalid snapshot: {reason}. Nothing was imported.");
}
