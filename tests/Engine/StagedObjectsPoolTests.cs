using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>The tables a commit's page-tree build reuses: handed out empty, and bounded in what they keep.</summary>
public sealed class StagedObjectsPoolTests
{
    [Fact]
    public void A_rented_table_is_empty_of_everything_its_last_user_staged()
    {
        var pool = new StagedObjectsPool();
        var used = pool.Rent(16);
        var page = used.AddPage(new byte[PageStore.PageSize].Select((_, i) => (byte)i).ToArray());
        used.SetPreviousPage(page, Hash.Of([1]));
        used.MarkStored(ObjectRef.Node(Hash.Of([2])));
        pool.Return(used);

        var again = pool.Rent(16);
        Assert.Same(used, again);
        Assert.Equal(0, again.Count);
        Assert.False(again.TryGet(ObjectRef.Page(page), out _));
        Assert.False(again.TryGetPreviousPage(page, out _));
        Assert.False(again.IsKnownStored(ObjectRef.Node(Hash.Of([2]))));
    }

    [Fact]
    public void The_pool_keeps_tables_for_at_most_its_bound_of_objects()
    {
        var pool = new StagedObjectsPool();
        pool.Return(new StagedObjects(StagedObjectsPool.MaxObjects / 2));
        pool.Return(new StagedObjects(StagedObjectsPool.MaxObjects / 4));
        pool.Return(new StagedObjects(StagedObjectsPool.MaxObjects / 2)); // over the bound: dropped
        Assert.Equal(2, pool.Count);
        pool.Rent(1);
        pool.Rent(1);
        Assert.Equal(0, pool.Count);
        pool.Return(new StagedObjects(StagedObjectsPool.MaxObjects / 2)); // room again once the spares are rented
        Assert.Equal(1, pool.Count);
    }
}
