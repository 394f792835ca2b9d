using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Maintenance;
using Xunit;

namespace Piecrust.Tests.Tools;

/// <summary>The CLI on states that break a rule: <c>import</c> refuses them in one error line, <c>fsck</c> reports a stored one.</summary>
public sealed class CraftedStateCommandTests
{
    [Fact]
    public void Import_of_a_crafted_snapshot_prints_one_error_line_exits_1_and_writes_nothing()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string snapshot = cli.PathOf("state.bin");
        cli.Run("export", root.ToString(), "-o", snapshot).AssertOk();
        using var crafter = new SnapshotCrafter(File.ReadAllBytes(snapshot));
        var leaf = crafter.Leaf(id);
        crafter.SetLeaf(leaf with { MemoryLength = leaf.MemoryLength + 4096 });
        File.WriteAllBytes(cli.PathOf("crafted.bin"), crafter.Export());

        string fresh = cli.PathOf("fresh");
        Cli.RunRaw("--store", fresh, "import", cli.PathOf("crafted.bin")).AssertError($"contract {id}'s memory length {leaf.MemoryLength + 4096} is not a multiple of 64 KiB");
        using var vm = VM.Open(fresh);
        Assert.Empty(vm.Commits);
        Assert.Equal(0, vm.Statistics().Store.Nodes);
    }

    [Fact]
    public void Fsck_reports_a_stored_contract_breaking_a_rule_and_exits_2()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        using (var store = MerkleIndex.OpenStore(cli.Store))
        {
            var index = new MerkleIndex(store);
            var staged = new StagedObjects();
            var leaf = index.GetContract(root, id)!;
            var broken = index.SetContract(root, leaf with { MemoryLength = (1UL << 32) + 65536 }, staged);
            store.WriteCommit(broken, ObjectRef.Node(broken), root, staged);
        }

        var fsck = cli.Run("fsck");
        Assert.Equal(Piecrust.Tools.ExitCodes.CheckFailed, fsck.Code);
        Assert.Matches(@"│ contracts\s+│\s+2 │", fsck.Output);
        Assert.Contains("InvalidContract", fsck.Output);
        Assert.Contains($"Contract {id}'s memory length 4295032832 exceeds the 4 GiB maximum of a 32-bit memory.", fsck.Output);
        Assert.Contains("1 problem(s) found", fsck.Output);
    }
}
