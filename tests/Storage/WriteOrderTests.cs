using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>A commit puts its new objects into the batch in each column's key order, sorted on a 64-bit prefix first.</summary>
public sealed class WriteOrderTests
{
    [Fact]
    public void Writes_sort_in_key_order_also_where_their_first_62_bits_are_equal()
    {
        var random = new Random(11);
        var references = new List<ObjectRef>();
        for (int i = 0; i < 2_000; i++)
            references.Add(new ObjectRef((ObjectKind)random.Next(1, 4), RandomHash(random)));
        // Keys sharing their first 8 bytes, or differing only in the two bits the prefix drops.
        var shared = RandomHash(random).ToArray();
        for (int i = 0; i < 50; i++)
        {
            var bytes = RandomHash(random).ToArray();
            shared.AsSpan(0, 8).CopyTo(bytes);
            if (i % 5 == 0) bytes[7] ^= (byte)(i % 10 == 0 ? 1 : 2);
            references.Add(new ObjectRef((ObjectKind)(1 + i % 3), Hash.FromBytes(bytes)));
        }
        var writes = references.Select((r, i) => (r, i, 1)).ToArray();
        var order = new int[writes.Length];

        RefTransaction.SortInKeyOrder(writes, order);

        var expected = references.Order(Comparer<ObjectRef>.Create((a, b) =>
            a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : Compare(a.Key, b.Key))).ToArray();
        Assert.Equal(expected, order.Select(i => writes[i].Item1));
        Assert.Equal(Enumerable.Range(0, writes.Length), order.Order()); // each write once
    }

    // Byte-wise, as RocksDB orders keys.
    private static int Compare(Hash a, Hash b) => a.ToArray().AsSpan().SequenceCompareTo(b.ToArray());

    private static Hash RandomHash(Random random)
    {
        var bytes = new byte[Hash.Size];
        random.NextBytes(bytes);
        return Hash.FromBytes(bytes);
    }
}
