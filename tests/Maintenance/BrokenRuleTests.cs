using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Maintenance;

/// <summary>
/// A store that holds a contract breaking a rule an import enforces (written by an older version, a
/// raw write or damage — here with the index's own API, which takes any leaf): fsck reports it, and
/// loading it fails with <see cref="CorruptStoreException"/> identically on both memory paths.
/// </summary>
public sealed class BrokenRuleTests
{
    public static TheoryData<string> Flaws => ["length not a multiple of 64 KiB", "length over 4 GiB", "page tree of 30 levels", "page tree root is a leaf", "invalid bytecode", "64-bit bytecode"];

    [Theory]
    [MemberData(nameof(Flaws))]
    public void Fsck_reports_a_stored_contract_breaking_a_rule(string flaw)
    {
        using var state = new CounterState();
        var (root, expected, kind) = Break(state, flaw);

        foreach (var report in new[] { VM.FsckDirectory(state.Directory), Online(state.Directory) })
        {
            var problem = Assert.Single(report.Problems);
            Assert.Equal(kind, problem.Kind);
            Assert.Contains(expected, problem.Message);
            Assert.Equal(2, report.ContractsChecked); // the good commit's contract and the broken one's
        }
        Assert.NotEqual(state.Root, root);
    }

    [Theory]
    [MemberData(nameof(Flaws))]
    public void Loading_a_stored_contract_breaking_a_rule_fails_alike_on_both_memory_paths(string flaw)
    {
        using var state = new CounterState();
        var (root, expected, _) = Break(state, flaw);
        var messages = new List<string>();
        foreach (var path in new[] { MemoryPath.Mapped, MemoryPath.Plain })
        {
            using var vm = VM.Open(state.Directory, new VMOptions { Memory = path, Durable = false });
            using var session = vm.Session(new SessionData { Base = root });
            var call = Assert.Throws<CorruptStoreException>(() => session.Call(state.Contract, "read_value", [], Contracts.Gas));
            var read = Assert.Throws<CorruptStoreException>(() => session.ReadPage(state.Contract, 0));
            Assert.Equal(call.Message, read.Message);
            Assert.Contains(expected, call.Message);
            Assert.Equal(root, session.Root);
            messages.Add(call.Message);
            Assert.Equal(0xfdUL, CounterState.ReadCounter(vm, state.Root, state.Contract)); // the good commit still loads
        }
        Assert.Equal(messages[0], messages[1]);
    }

    /// <summary>Writes a second commit whose contract is <paramref name="flaw"/>ed; returns its root, what its message says and the problem kind.</summary>
    private static (Hash Root, string Expected, StoreProblemKind Kind) Break(CounterState state, string flaw)
    {
        using var store = MerkleIndex.OpenStore(state.Directory);
        var index = new MerkleIndex(store);
        var leaf = index.GetContract(state.Root, state.Contract)!;
        var staged = new StagedObjects();
        var (broken, expected, kind) = flaw switch
        {
            "length not a multiple of 64 KiB" => (leaf with { MemoryLength = leaf.MemoryLength + 4096 }, "is not a multiple of 64 KiB", StoreProblemKind.InvalidContract),
            "length over 4 GiB" => (leaf with { MemoryLength = (1UL << 32) + 65536 }, "exceeds the 4 GiB maximum of a 32-bit memory", StoreProblemKind.InvalidContract),
            "page tree of 30 levels" => (leaf with { PageTreeRoot = index.UpdatePages(PageTree.EmptyRoot(PageTree.Height64), PageTree.Height64,
                [new PageChange(1UL << 20, staged.AddPage(Storage.StoreFixture.Page(5)))], staged) }, "pages beyond the 32-bit maximum memory size", StoreProblemKind.MisplacedNode),
            "page tree root is a leaf" => (leaf with { PageTreeRoot = state.Root }, "is a contract leaf where a page-tree branch of level 20 belongs", StoreProblemKind.MisplacedNode),
            "invalid bytecode" => (leaf with { Bytecode = staged.AddBytecode(Contracts.Bytes("counter")[..100]) }, "fails the deploy-time module validation", StoreProblemKind.InvalidBytecode),
            "64-bit bytecode" => (leaf with { Bytecode = staged.AddBytecode(Contracts.Bytes("counter64")) }, "has a 32-bit memory but its bytecode", StoreProblemKind.InvalidContract),
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };
        var root = index.SetContract(state.Root, broken with { Owner = new byte[] { 7 } }, staged);
        store.WriteCommit(root, ObjectRef.Node(root), state.Root, staged);
        return (root, expected, kind);
    }

    private static StoreCheckReport Online(string directory)
    {
        using var vm = VM.Open(directory, new VMOptions { Durable = false });
        return vm.Fsck();
    }
}
