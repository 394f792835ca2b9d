using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>
/// A store's transaction working tables are reused from one commit to the next while they suit its
/// size — a node's block commits all write ~20,000 objects — and replaced when a small transaction
/// follows a large one, so that it does not pay for clearing a large capacity.
/// </summary>
public sealed class RefScratchTests
{
    private static ObjectRef Node(int i) => ObjectRef.Node(Hash.Of(BitConverter.GetBytes(i)));

    [Fact]
    public void Tables_of_a_large_transaction_are_reused_by_the_next_and_dropped_after_a_small_one()
    {
        var scratch = new RefScratch();
        Fill(scratch, 20_000);
        var counts = scratch.Counts;
        var writes = scratch.Writes;
        scratch.Reset();
        Assert.Same(counts, scratch.Counts); // a block after a block: the same tables, emptied
        Assert.Same(writes, scratch.Writes);
        Assert.Empty(scratch.Counts);
        Assert.Empty(scratch.Writes);
        Assert.True(scratch.Counts.EnsureCapacity(0) >= 20_000);

        Fill(scratch, 10);
        scratch.Reset();
        Assert.NotSame(counts, scratch.Counts); // a small commit after a block: small tables again
        Assert.NotSame(writes, scratch.Writes);
        Assert.True(scratch.Counts.EnsureCapacity(0) < 1_000);

        var small = scratch.Counts;
        Fill(scratch, 10);
        scratch.Reset();
        Assert.Same(small, scratch.Counts);
    }

    [Fact]
    public void Tables_past_the_largest_kept_size_are_not_kept()
    {
        var scratch = new RefScratch();
        Fill(scratch, (1 << 17) + 1); // a large deletion
        var counts = scratch.Counts;
        scratch.Reset();
        Assert.NotSame(counts, scratch.Counts);
        Assert.True(scratch.Counts.EnsureCapacity(0) < 1_000);
    }

    private static void Fill(RefScratch scratch, int objects)
    {
        for (int i = 0; i < objects; i++)
        {
            scratch.Counts[Node(i)] = 1;
            scratch.Before[Node(i)] = 0;
            scratch.Absent[Node(i)] = true;
            scratch.Writes.Add((Node(i), i, 1));
            scratch.Changed.Add((Node(i), 1, 0));
            scratch.Increments.Add(Node(i));
        }
    }
}
