using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>Writes one state in the <see cref="StateSnapshot"/> format, hashing every byte it writes. Single use.</summary>
internal sealed class SnapshotExporter(PageStore store, Stream output, IProgress<MaintenanceProgress>? progress)
{
    private Blake3.Hasher _hasher = Blake3.Hasher.New();
    private long _bytes;

    public SnapshotInfo Write(Hash root)
    {
        try
        {
            bool rootIsNode = root != Domain.EmptyState;
            var order = rootIsNode ? Collect(root) : [];
            Span<byte> header = stackalloc byte[StateSnapshot.HeaderLength];
            StateSnapshot.Magic.CopyTo(header);
            header[8] = StateSnapshot.Version;
            header[9] = rootIsNode ? StateSnapshot.RootIsNode : (byte)0;
            root.CopyTo(header[10..]);
            Emit(header);

            long pages = 0, nodes = 0, bytecodes = 0;
            var page = new byte[PageStore.PageSize];
            Span<byte> recordHeader = stackalloc byte[5];
            for (int i = 0; i < order.Count; i++)
            {
                var reference = order[i];
                ReadOnlySpan<byte> bytes;
                switch (reference.Kind)
                {
                    case ObjectKind.Page:
                        store.ReadPage(reference.Key, page);
                        bytes = page;
                        pages++;
                        break;
                    case ObjectKind.Node:
                        bytes = store.ReadNode(reference.Key);
                        nodes++;
                        break;
                    default:
                        bytes = store.ReadBytecode(reference.Key);
                        bytecodes++;
                        break;
                }
                recordHeader[0] = (byte)reference.Kind;
                BinaryPrimitives.WriteUInt32LittleEndian(recordHeader[1..], (uint)bytes.Length);
                Emit(recordHeader);
                Emit(bytes);
                if ((i & 255) == 255) progress?.Report(new MaintenanceProgress("writing objects", i + 1, order.Count));
            }
            progress?.Report(new MaintenanceProgress("writing objects", order.Count, order.Count));

            Span<byte> trailer = stackalloc byte[1 + 8];
            trailer[0] = StateSnapshot.TrailerTag;
            BinaryPrimitives.WriteUInt64LittleEndian(trailer[1..], (ulong)order.Count);
            Emit(trailer);
            Span<byte> digest = stackalloc byte[Hash.Size];
            _hasher.Finalize(digest);
            output.Write(digest);
            _bytes += Hash.Size;
            output.Flush();
            return new SnapshotInfo(root, pages, nodes, bytecodes, _bytes);
        }
        finally
        {
            _hasher.Dispose();
        }
    }

    // Depth-first from the root, parents before children, each object once. Reads only nodes.
    private List<ObjectRef> Collect(Hash root)
    {
        var order = new List<ObjectRef>();
        var seen = new HashSet<ObjectRef>();
        var pending = new Stack<ObjectRef>();
        var children = new List<ObjectRef>();
        pending.Push(ObjectRef.Node(root));
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            if (!seen.Add(reference)) continue;
            order.Add(reference);
            if ((order.Count & 1023) == 0) progress?.Report(new MaintenanceProgress("collecting objects", order.Count, 0));
            if (reference.Kind != ObjectKind.Node) continue;
            var node = store.ReadNode(reference.Key);
            if (order.Count == 1 && !StateSnapshot.IsStateNode(node))
                throw new CorruptStoreException($"Commit {root} is not a contract state: its root node is not a contract-tree node.");
            children.Clear();
            store.Layout.AddChildren(node, children);
            for (int i = children.Count - 1; i >= 0; i--)
                if (!seen.Contains(children[i])) pending.Push(children[i]);
        }
        return order;
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _hasher.Update(bytes);
        output.Write(bytes);
        _bytes += bytes.Length;
    }
}
