using System.Buffers.Binary;

namespace Piecrust.Storage;

/// <summary>The stored form of a commit: sequence, parent, whether its root is a stored node, and whether it awaits deletion.</summary>
internal readonly record struct CommitRecord(ulong Sequence, Hash? Parent, bool HasRootNode, bool PendingDelete)
{
    private const byte Version = 1;
    private const int Length = 1 + 8 + 1 + Hash.Size;

    [Flags]
    private enum Flags : byte { None = 0, HasParent = 1, HasRootNode = 2, PendingDelete = 4 }

    public byte[] Encode()
    {
        var bytes = new byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), Sequence);
        var flags = (Parent is null ? Flags.None : Flags.HasParent)
                  | (HasRootNode ? Flags.HasRootNode : Flags.None)
                  | (PendingDelete ? Flags.PendingDelete : Flags.None);
        bytes[9] = (byte)flags;
        Parent?.CopyTo(bytes.AsSpan(10));
        return bytes;
    }

    public static CommitRecord Decode(Hash root, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length || bytes[0] != Version)
            throw new CorruptStoreException($"The record of commit {root} is malformed ({bytes.Length} bytes, version {(bytes.Length > 0 ? bytes[0] : -1)}).");
        var flags = (Flags)bytes[9];
        return new CommitRecord(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[1..]),
            flags.HasFlag(Flags.HasParent) ? Hash.FromBytes(bytes.Slice(10, Hash.Size)) : null,
            flags.HasFlag(Flags.HasRootNode),
            flags.HasFlag(Flags.PendingDelete));
    }
}
