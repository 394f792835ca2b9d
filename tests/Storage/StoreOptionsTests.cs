using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Storage;

public sealed class StoreOptionsTests
{
    [Fact]
    public void A_table_file_limit_below_twenty_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MerkleIndex.EphemeralStore(new PageStoreOptions { MaxOpenFiles = 19 }));
        Assert.Contains("MaxOpenFiles", error.Message);
        using var store = MerkleIndex.EphemeralStore(new PageStoreOptions { MaxOpenFiles = 20 });
        Assert.Empty(store.Commits);
    }
}
