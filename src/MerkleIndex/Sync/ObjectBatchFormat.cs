using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// The bytes of a batched object request and its answer over HTTP (<c>POST /objects</c>).
/// Request: one entry per object, kind u8 (1 page, 2 node, 3 bytecode) ‖ 32-byte key.
/// Answer: per object, in the order asked, length u32 LE ‖ content (what the key is the hash of).
/// </summary>
public static class ObjectBatchFormat
{
    /// <summary>Bytes of one request entry.</summary>
    public const int EntryLength = 1 + Hash.Size;

    /// <summary>The body of a request for <paramref name="objects"/>.</summary>
    public static byte[] EncodeRequest(IReadOnlyList<ObjectRef> objects)
    {
        var body = new byte[objects.Count * EntryLength];
        for (int i = 0; i < objects.Count; i++)
        {
            body[i * EntryLength] = (byte)objects[i].Kind;
            objects[i].Key.CopyTo(body.AsSpan(i * EntryLength + 1, Hash.Size));
        }
        return body;
    }

    /// <summary>Decodes a request body; returns why it is malformed, or null.</summary>
    public static string? TryDecodeRequest(ReadOnlySpan<byte> body, List<ObjectRef> objects)
    {
        if (body.Length % EntryLength != 0)
            return $"the body is {body.Length} bytes, not a multiple of {EntryLength} (kind byte and 32-byte key per object)";
        for (int offset = 0; offset < body.Length; offset += EntryLength)
        {
            var kind = (ObjectKind)body[offset];
            if (!Enum.IsDefined(kind)) return $"entry {offset / EntryLength} has unknown kind {body[offset]} (1 page, 2 node, 3 bytecode)";
            objects.Add(new ObjectRef(kind, Hash.FromBytes(body.Slice(offset + 1, Hash.Size))));
        }
        return null;
    }

    /// <summary>The length prefix of one answered object.</summary>
    public static byte[] LengthPrefix(int length)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)length);
        return prefix;
    }

    /// <summary>
    /// Reads the answer to a request for <paramref name="count"/> objects, refusing any object longer
    /// than <paramref name="maxObjectLength"/> before reading it, and trailing bytes.
    /// </summary>
    /// <exception cref="SyncSourceException">The answer is truncated, claims an object too long, or goes on after the last object.</exception>
    public static IReadOnlyList<byte[]> ReadAnswer(Stream answer, int count, int maxObjectLength)
    {
        var objects = new byte[count][];
        Span<byte> prefix = stackalloc byte[4];
        for (int i = 0; i < count; i++)
        {
            if (answer.ReadAtLeast(prefix, 4, throwOnEndOfStream: false) < 4)
                throw new SyncSourceException($"The source's answer ends after {i} of {count} objects.");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (length > (uint)maxObjectLength)
                throw new SyncSourceException($"The source's answer claims {length} bytes for object {i}; no object is longer than {maxObjectLength}.");
            var content = new byte[length];
            if (answer.ReadAtLeast(content, content.Length, throwOnEndOfStream: false) < content.Length)
                throw new SyncSourceException($"The source's answer ends inside object {i} of {count}.");
            objects[i] = content;
        }
        if (answer.ReadByte() >= 0) throw new SyncSourceException($"The source's answer goes on after its {count} objects.");
        return objects;
    }

    /// <summary>The longest object content: a node, a page, or bytecode up to <paramref name="maxBytecodeLength"/>.</summary>
    public static int MaxObjectLength(int maxBytecodeLength) => Math.Max(Math.Max(StateSnapshot.MaxNodeLength, PageStore.PageSize), maxBytecodeLength);
}
