using Xunit;

namespace Piecrust.Tests.Tools;

public sealed class DemoCommandTests
{
    [Fact]
    public void The_demo_runs_end_to_end_on_a_temporary_store()
    {
        var demo = Cli.RunRaw("demo");
        demo.AssertOk();
        Assert.Contains("fc00000000000000 = 252", demo.Output);
        Assert.Contains("fd00000000000000 = 253", demo.Output);
        Assert.Contains("prove page 16", demo.Output);
        Assert.Matches(@"the page against the state root\s+│ valid\s+│ valid", demo.Output);
        Assert.Matches(@"a tampered page \(one bit flipped\)\s+│ INVALID\s+│ INVALID", demo.Output);
        Assert.Contains("demo complete", demo.Output);
        Assert.DoesNotContain("wrong!", demo.Output);

        var store = demo.Lines.First(l => l.StartsWith("store:", StringComparison.Ordinal))["store: ".Length..].Split(' ')[0];
        Assert.False(Directory.Exists(store)); // the temporary store is gone
    }

    [Fact]
    public void The_demo_on_a_store_keeps_its_commit_and_reuses_the_contract_next_time()
    {
        using var cli = new Cli(init: false);
        cli.Run("demo").AssertOk();
        var second = cli.Run("demo");
        second.AssertOk();
        Assert.Contains("already there", second.Output);
        Assert.Contains("fe00000000000000 = 254", second.Output);
        using var vm = VM.Open(cli.Store);
        Assert.Equal(2, vm.Commits.Count);
    }
}
