using System.Buffers.Binary;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// A RocksDB write batch taken apart (its serialized form: a 12-byte header, then per entry a type
/// byte, the column family id, the key and the value, each with a varint length), to account for
/// every byte a commit writes.
/// </summary>
internal sealed record BatchAnatomy(IReadOnlyList<BatchAnatomy.Entry> Entries, int HeaderBytes, int TotalBytes)
{
    /// <summary>One put or delete: its column, what it is (for pages and nodes, from the value's first byte), key and value sizes, and its framing (type, column id, lengths).</summary>
    internal readonly record struct Entry(StoreColumn Column, bool IsDelete, int KeyBytes, int ValueBytes, int FramingBytes, byte FirstValueByte);

    public static BatchAnatomy Of(PageStore store, byte[] batch)
    {
        var columns = StoreColumns.All.ToDictionary(store.ColumnId);
        var entries = new List<Entry>();
        int offset = 12; // sequence (8) and count (4)
        int count = BinaryPrimitives.ReadInt32LittleEndian(batch.AsSpan(8));
        for (int i = 0; i < count; i++)
        {
            int start = offset;
            byte type = batch[offset++];
            // 0x5 = put in a column family, 0x4 = delete in a column family: the only two the store writes.
            if (type is not (0x4 or 0x5)) throw new InvalidDataException($"Unexpected batch entry type 0x{type:x2}.");
            uint column = ReadVarint(batch, ref offset);
            int keyLength = (int)ReadVarint(batch, ref offset);
            offset += keyLength;
            int valueLength = 0;
            byte first = 0;
            if (type == 0x5)
            {
                valueLength = (int)ReadVarint(batch, ref offset);
                if (valueLength > 0) first = batch[offset];
                offset += valueLength;
            }
            entries.Add(new Entry(columns[column], type == 0x4, keyLength, valueLength, offset - start - keyLength - valueLength, first));
        }
        if (offset != batch.Length) throw new InvalidDataException($"The batch has {batch.Length - offset} bytes past its {count} entries.");
        return new BatchAnatomy(entries, 12, batch.Length);
    }

    /// <summary>One line per kind of entry: how many, their key, value and framing bytes; then the batch header and the total.</summary>
    public IEnumerable<string> Breakdown()
    {
        foreach (var group in Entries.GroupBy(KindOf).OrderBy(g => g.Key))
            yield return $"{group.Key}: {group.Count()} entries, keys {group.Sum(e => e.KeyBytes)} B, values {group.Sum(e => e.ValueBytes)} B, framing {group.Sum(e => e.FramingBytes)} B, total {group.Sum(e => e.KeyBytes + e.ValueBytes + e.FramingBytes)} B";
        yield return $"batch header: {HeaderBytes} B; batch total: {TotalBytes} B";
    }

    // What an entry is, from its column and, for pages and nodes, the first byte of its value.
    private static string KindOf(Entry entry) => (entry.Column, entry.FirstValueByte) switch
    {
        (_, _) when entry.IsDelete => $"{entry.Column} deletion",
        (StoreColumn.Pages, 0) => "page, whole",
        (StoreColumn.Pages, 1) => "page, whole LZ4",
        (StoreColumn.Pages, PageDelta.Tag) => "page, difference",
        (StoreColumn.Nodes, 0x11) => "node, page-tree branch",
        (StoreColumn.Nodes, 0x21) => "node, contract-tree branch",
        (StoreColumn.Nodes, 0x22) => "node, contract leaf",
        (StoreColumn.Increments, _) => "count journal entry",
        (StoreColumn.Refs, _) => "count entry",
        (StoreColumn.Commits, _) => "commit record",
        (StoreColumn.Meta, _) => "meta (sequence)",
        _ => entry.Column.ToString(),
    };

    private static uint ReadVarint(byte[] bytes, ref int offset)
    {
        uint value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[offset++];
            value |= (uint)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
