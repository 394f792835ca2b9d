using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Reads and verifies a <see cref="StateSnapshot"/>, staging every object, and writes the commit only
/// once everything holds. Every failure is an <see cref="InvalidSnapshotException"/> raised before the
/// write. Single use.
/// </summary>
internal sealed class SnapshotImporter(PageStore store, Stream input, IProgress<MaintenanceProgress>? progress)
{
    private const int Chunk = 1 << 20;

    // Objects are staged in memory until the single commit batch; see StateSnapshot.Import.
    private readonly StagedObjects _staged = new();
    private readonly Dictionary<ObjectRef, ReadOnlyMemory<byte>> _objects = new();
    private readonly long _length = input.CanSeek ? Math.Max(0, input.Length - input.Position) : 0;
    private Blake3.Hasher _hasher = Blake3.Hasher.New();
    private long _offset;

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

        long pages = 0, nodes = 0, bytecodes = 0;
        Span<byte> recordHeader = stackalloc byte[5];
        while (true)
        {
            ReadExactly(recordHeader[..1], "a record or the trailer");
            if (recordHeader[0] == StateSnapshot.TrailerTag) break;
            ReadExactly(recordHeader[1..], "a record header");
            var kind = (ObjectKind)recordHeader[0];
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader[1..]);
            switch (kind)
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
                    var bytecode = ReadRecord(length, 1, StateSnapshot.MaxBytecodeLength, "bytecode");
                    Add(ObjectRef.Bytecode(_staged.AddBytecode(bytecode)), bytecode);
                    bytecodes++;
                    break;
                default:
                    throw Invalid($"a record at byte {_offset - 5} has unknown kind {recordHeader[0]}");
            }
            if (_objects.Count % 256 == 0) progress?.Report(new MaintenanceProgress("reading objects", _offset, _length));
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
        if (declared != (ulong)_objects.Count)
            throw Invalid($"its trailer counts {declared} records but it holds {_objects.Count}");
        if (input.ReadByte() >= 0)
            throw Invalid($"bytes follow its trailer at offset {_offset}");
        progress?.Report(new MaintenanceProgress("reading objects", _offset, _length));

        if (rootIsNode) CheckComplete(root);
        else if (_objects.Count > 0) throw Invalid($"it holds {_objects.Count} objects but its state is empty");

        progress?.Report(new MaintenanceProgress("writing commit", 0, 1));
        store.WriteCommit(root, rootIsNode ? ObjectRef.Node(root) : null, parent: null, _staged);
        progress?.Report(new MaintenanceProgress("writing commit", 1, 1));
        return new SnapshotInfo(root, pages, nodes, bytecodes, _offset);
    }

    private void AddPage(byte[] bytes)
    {
        var key = _staged.AddPage(bytes);
        if (key == PageStore.ZeroPageKey) throw Invalid($"it holds the all-zero page (record ending at byte {_offset}), which is never stored");
        Add(ObjectRef.Page(key), bytes);
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
        _staged.AddNode(key, bytes);
        Add(ObjectRef.Node(key), bytes);
    }

    private void Add(ObjectRef reference, byte[] bytes)
    {
        if (!_objects.TryAdd(reference, bytes)) throw Invalid($"it holds {reference} twice");
    }

    // Every object the root reaches must be in the snapshot or already stored (a stored node's subtree
    // is complete, since the store keeps every object a stored node references); every object in the
    // snapshot must be reached.
    private void CheckComplete(Hash root)
    {
        var rootRef = ObjectRef.Node(root);
        ReadOnlySpan<byte> rootNode;
        if (_objects.TryGetValue(rootRef, out var snapshotRoot)) rootNode = snapshotRoot.Span;
        else if (store.Contains(rootRef)) rootNode = store.ReadNode(root);
        else throw Invalid($"it lacks its root node {root}");
        if (!StateSnapshot.IsStateNode(rootNode)) throw Invalid($"its root {root} is not a contract-tree node, so it is not a state");

        var reached = new HashSet<ObjectRef>();
        var pending = new Stack<(ObjectRef Reference, ObjectRef? Parent)>();
        var children = new List<ObjectRef>();
        pending.Push((rootRef, null));
        while (pending.Count > 0)
        {
            var (reference, parent) = pending.Pop();
            if (reached.Contains(reference)) continue;
            if (!_objects.TryGetValue(reference, out var bytes))
            {
                if (store.Contains(reference)) continue;
                throw Invalid($"it is incomplete: it lacks {reference}, referenced by {(parent is { } p ? p.ToString() : "its header")}, and the store does not have it either");
            }
            reached.Add(reference);
            if ((reached.Count & 1023) == 0) progress?.Report(new MaintenanceProgress("checking completeness", reached.Count, _objects.Count));
            if (reference.Kind != ObjectKind.Node) continue;
            children.Clear();
            NodeLayout.Instance.AddChildren(bytes.Span, children);
            foreach (var child in children) pending.Push((child, reference));
        }
        if (reached.Count != _objects.Count)
            throw Invalid($"it holds {_objects.Count - reached.Count} objects its root does not reach, e.g. {_objects.Keys.First(k => !reached.Contains(k))}");
    }

    private byte[] ReadRecord(uint length, int min, int max, string what)
    {
        if (length < (uint)min || length > (uint)max)
            throw Invalid($"a {what} record at byte {_offset - 5} claims {length} bytes (allowed {min}..{max})");
        int size = (int)length;
        if (size <= Chunk)
        {
            var bytes = new byte[size];
            ReadExactly(bytes, $"a {size}-byte {what}");
            return bytes;
        }
        // Large records grow as they arrive, so a lying length in a short file allocates little.
        using var buffer = new MemoryStream(Chunk);
        var chunk = new byte[Chunk];
        for (int left = size; left > 0; left -= Chunk)
        {
            int take = Math.Min(left, Chunk);
            ReadExactly(chunk.AsSpan(0, take), $"a {size}-byte {what}");
            buffer.Write(chunk, 0, take);
        }
        return buffer.ToArray();
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

    private static InvalidSnapshotException Invalid(string reason) => new($"Invalid snapshot: {reason}. Nothing was imported.");
}
