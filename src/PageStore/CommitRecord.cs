using System.Buffers.Binary;

namespace Piecrust.Storage;

/// <summary>
/// The stored form of a commit: sequence, parent, whether its root is a stored node, and whether it
/// awaits deletion, followed by a checksum binding those bytes to the commit's root, so that a
/// damaged record is reported instead of silently changing a commit's order, parent or fate.
/// </summary>
internal readonly record struct CommitRecord(ulong Sequence, Hash? Parent, bool HasRootNode, bool PendingDelete)
{
    private const byte Version = 2;
    private const byte UncheckedVersion = 1; // written before records carried a checksum; still read
    private const int BodyLength = 1 + 8 + 1 + Hash.Size;
    private const int ChecksumLength = 8;
    private const int Length = BodyLength + ChecksumLength;

    [Flags]
    private enum Flags : byte { None = 0, HasParent = 1, HasRootNode = 2, PendingDelete = 4, All = HasParent | HasRootNode | PendingDelete }

    public byte[] Encode(Hash root)
    {
        var bytes = new byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), Sequence);
        var flags = (Parent is null ? Flags.None : Flags.HasParent)
                  | (HasRootNode ? Flags.HasRootNode : Flags.None)
                  | (PendingDelete ? Flags.PendingDelete : Flags.None);
        bytes[9] = (byte)flags;
        Parent?.CopyTo(bytes.AsSpan(10));
        Checksum(root, bytes.AsSpan(0, BodyLength), bytes.AsSpan(BodyLength));
        return bytes;
    }

    /// <exception cref="CorruptStoreException">The record is malformed or does not match its checksum.</exception>
    public static CommitRecord Decode(Hash root, ReadOnlySpan<byte> bytes)
    {
        bool legacy = bytes.Length == BodyLength && bytes[0] == UncheckedVersion;
        if (!legacy && (bytes.Length != Length || bytes[0] != Version))
            throw new CorruptStoreException($"The record of commit {root} is malformed ({bytes.Length} bytes, version {(bytes.Length > 0 ? bytes[0] : -1)}).");
        if (!legacy)
        {
            Span<byte> expected = stackalloc byte[ChecksumLength];
            Checksum(root, bytes[..BodyLength], expected);
            if (!expected.SequenceEqual(bytes[BodyLength..]))
                throw new CorruptStoreException($"The record of commit {root} is corrupt: its checksum does not match its bytes.");
        }
        var flags = (Flags)bytes[9];
        if ((flags & ~Flags.All) != 0)
            throw new CorruptStoreException($"The record of commit {root} is malformed (unknown flags {(byte)flags:x2}).");
        return new CommitRecord(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[1..]),
            flags.HasFlag(Flags.HasParent) ? Hash.FromBytes(bytes.Slice(10, Hash.Size)) : null,
            flags.HasFlag(Flags.HasRootNode),
            flags.HasFlag(Flags.PendingDelete));
    }

    /// <summary>The first bytes of BLAKE3(root ‖ body).</summary>
    private static void Checksum(Hash root, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[Hash.Size + BodyLength];
        root.CopyTo(input);
        body.CopyTo(input[Hash.Size..]);
        Span<byte> digest = stackalloc byte[Hash.Size];
        Hash.Of(input).CopyTo(digest);
        digest[..ChecksumLength].CopyTo(destination);
    }
}
