using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Maintenance;

public sealed class StatisticsTests
{
    [Fact]
    public void Statistics_count_commits_contracts_and_objects()
    {
        using var state = new CounterState(secondCommit: true);
        int pages = state.Keys(ObjectKind.Page).Count, nodes = state.Keys(ObjectKind.Node).Count;
        using var vm = VM.Open(state.Directory);
        var stats = vm.Statistics();

        Assert.Equal(2, stats.Commits);
        Assert.Equal(state.SecondRoot, stats.LatestRoot);
        Assert.Equal(1, stats.LatestContracts);
        Assert.Equal(2, stats.ContractStates);
        Assert.Equal(1, stats.DistinctContracts);
        Assert.Equal(2, stats.Store.Commits);
        Assert.Equal(pages, stats.Store.Pages);
        Assert.Equal(nodes, stats.Store.Nodes);
        Assert.Equal(1, stats.Store.Bytecodes);
        Assert.Equal(Engine.Contracts.Bytes("counter").Length, stats.Store.BytecodeDecodedBytes);
        Assert.Equal(stats.Store.PageBytes + stats.Store.NodeBytes + stats.Store.BytecodeBytes, stats.Store.StoredBytes);
    }

    [Fact]
    public void Logical_bytes_dedup_and_compression_follow_their_definitions()
    {
        using var vm = VM.Ephemeral();
        using (var session = vm.Session())
        {
            // Two counters with the same code: their memories start with identical pages.
            var a = Engine.Contracts.Deploy(session, "counter");
            session.Deploy(Engine.Contracts.Bytes("counter"), new ContractData(Engine.Contracts.Owner, Id: new ContractId(Hash.Of([42]))), Engine.Contracts.Gas);
            session.Commit();
            session.Call(a, "increment", [], Engine.Contracts.Gas);
            session.Commit();
        }
        var stats = vm.Statistics();

        // Logical bytes: non-zero pages × 4096 over every live commit's contracts, counted independently here.
        var contracts = vm.CommitLog.SelectMany(c => vm.DescribeContracts(c.Root)).ToArray();
        Assert.Equal(4, contracts.Length);
        Assert.Equal(contracts.Aggregate(0UL, (sum, c) => sum + c.NonZeroPages) * PageStore.PageSize, stats.LogicalBytes);
        Assert.Equal(contracts.Aggregate(0UL, (sum, c) => sum + c.MemoryLength), stats.MemoryBytes);
        Assert.Equal(2, stats.DistinctContracts);
        Assert.Equal(4, stats.ContractStates);

        Assert.Equal((double)stats.LogicalBytes / (stats.Store.Pages * PageStore.PageSize), stats.DedupRatio);
        Assert.True(stats.DedupRatio > 1.0, $"dedup ratio {stats.DedupRatio}");
        Assert.Equal((double)stats.Store.Pages * PageStore.PageSize / stats.Store.PageBytes, stats.CompressionRatio);
        Assert.True(stats.CompressionRatio > 1.0, $"compression ratio {stats.CompressionRatio}"); // the counter's pages are sparse
    }

    [Fact]
    public void An_empty_store_has_neutral_ratios()
    {
        using var vm = VM.Ephemeral();
        var stats = vm.Statistics();
        Assert.Equal(0, stats.Commits);
        Assert.Null(stats.LatestRoot);
        Assert.Equal(0, stats.Store.Pages);
        Assert.Equal(1.0, stats.DedupRatio);
        Assert.Equal(1.0, stats.CompressionRatio);
    }
}
