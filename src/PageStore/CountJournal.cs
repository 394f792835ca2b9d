using System.Buffers.Binary;

namespace Piecrust.Storage;

/// <summary>
/// The stored form of deferred reference-count increments. A commit adds a reference to every
/// object it shares with earlier commits (the old siblings of its new tree paths: about 20 for one
/// changed page). Writing each of those counts would double the entries of a commit's batch, so a
/// commit records them as one entry instead, keyed by its sequence number: 33 bytes per reference
/// (kind byte ‖ object key), a reference named once per added referrer. The entries are applied to
/// the counts, and removed, in the same batch as the next deletion, or by the next commit once they
/// exceed <see cref="PageStoreOptions.PendingCountLimit"/>; until then a count is its stored value
/// plus its pending increments.
/// </summary>
internal static class CountJournal
{
    /// <summary>Bytes per recorded reference.</summary>
    public const int EntrySize = 1 + Hash.Size;

    /// <summary>The key of the entry of the commit with this sequence number (big-endian, so entries iterate in commit order).</summary>
    public static byte[] Key(ulong sequence)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, sequence);
        return key;
    }

    /// <summary>Encodes the references as one entry's value.</summary>
    public static byte[] Encode(IReadOnlyList<ObjectRef> references)
    {
        var value = new byte[references.Count * EntrySize];
        for (int i = 0; i < references.Count; i++)
            PageStore.RefKey(references[i], value.AsSpan(i * EntrySize, EntrySize));
        return value;
    }

    /// <summary>Decodes one entry's value into <paramref name="references"/>; false (and nothing added) when it is malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, List<ObjectRef> references)
    {
        if (key.Length != 8 || value.Length == 0 || value.Length % EntrySize != 0) return false;
        int first = references.Count;
        for (int offset = 0; offset < value.Length; offset += EntrySize)
        {
            var kind = (ObjectKind)value[offset];
            if (!Enum.IsDefined(kind))
            {
                references.RemoveRange(first, references.Count - first);
                return false;
            }
            references.Add(new ObjectRef(kind, Hash.FromBytes(value.Slice(offset + 1, Hash.Size))));
        }
        return true;
    }
}
