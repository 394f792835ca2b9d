using Piecrust.Merkle;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Range proofs and the memory-length rule through <see cref="Session"/> and <see cref="VM"/>.</summary>
public sealed class ProofApiTests
{
    [Fact]
    public void Range_proofs_see_uncommitted_changes_and_verify_against_session_and_commit_roots()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        var box = Contracts.Deploy(session, "box");
        var before = session.ProveRange(counter, 0, (ulong)Memory(session, counter).Length);
        session.Call(counter, "increment", [], Contracts.Gas);

        // The whole memory, unaligned at both ends, against the session's (uncommitted) root.
        var memory = Memory(session, counter);
        var proven = session.ProveRange(counter, 1, (ulong)memory.Length - 2);
        Assert.Equal(memory[1..^1], proven.Data.ToArray());
        Assert.NotEqual(before.Data.ToArray()[1..^1], proven.Data.ToArray());
        Assert.True(ProofVerifier.VerifyRange(proven.Proof.ToBytes(), session.Root, proven.Data.Span));
        Assert.False(ProofVerifier.VerifyRange(before.Proof.ToBytes(), session.Root, before.Data.Span));

        var root = session.Commit();
        var both = vm.ProveRanges(root, [new MemoryRange(box, 4096, 8192), new MemoryRange(counter, 0, 0)]);
        Assert.Equal(2, both.Proof.Entries.Count);
        Assert.True(ProofVerifier.VerifyRange(both.Proof, root, both.Data.Span));
        Assert.Equal([.. vm.ReadPage(root, box, 1), .. vm.ReadPage(root, box, 2)], both.Data.ToArray());

        var single = vm.ProveRange(root, counter, 100, 8);
        Assert.Equal(memory[100..108], single.Data.ToArray());
        Assert.True(ProofVerifier.VerifyRange(single.Proof, root, single.Data.Span));
        Assert.False(ProofVerifier.VerifyRange(single.Proof, Domain.EmptyState, single.Data.Span));
    }

    private static byte[] Memory(Session session, ContractId contract)
    {
        var pages = new List<byte>();
        for (ulong page = 0; ; page++)
        {
            try
            {
                session.ProvePage(contract, page); // throws past the memory's end
            }
            catch (InvalidArgumentException)
            {
                return pages.ToArray();
            }
            pages.AddRange(session.ReadPage(contract, page));
        }
    }

    [Fact]
    public void Requests_outside_the_memory_or_for_missing_contracts_are_typed_errors()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var counter = Contracts.Deploy(session, "counter");
        var root = session.Commit();
        ulong length = vm.Contracts(root).Single().MemoryLength;
        ulong pages = length / 4096;
        var missing = new ContractId(Hash.Of("missing"u8));

        Assert.True(ProofVerifier.VerifyPage(vm.ProvePage(root, counter, pages - 1), root, vm.ReadPage(root, counter, pages - 1)));
        Assert.Contains("beyond the memory length", Assert.Throws<InvalidArgumentException>(() => vm.ProvePage(root, counter, pages)).Message);
        Assert.Throws<InvalidArgumentException>(() => session.ProvePage(counter, pages));
        Assert.Throws<InvalidArgumentException>(() => vm.ProveRange(root, counter, length - 1, 2));
        Assert.Throws<InvalidArgumentException>(() => vm.ProveRange(root, counter, ulong.MaxValue, 2));
        Assert.Throws<InvalidArgumentException>(() => vm.ProveRange(root, counter, 5, 0));
        Assert.Throws<InvalidArgumentException>(() => vm.ProveRanges(root, []));
        Assert.Throws<InvalidArgumentException>(() => vm.ProveRanges(root, [new MemoryRange(counter, 0, 1), new MemoryRange(counter, 1, 1)]));
        Assert.Throws<ContractNotFoundException>(() => vm.ProveRanges(root, [new MemoryRange(counter, 0, 1), new MemoryRange(missing, 0, 0)]));
        Assert.Throws<ContractNotFoundException>(() => session.ProveRange(missing, 0, 1));
        Assert.Throws<CommitNotFoundException>(() => vm.ProveRange(Hash.Of("nope"u8), counter, 0, 1));

        var whole = vm.ProveRange(root, counter, 0, length);
        Assert.Equal((int)length, whole.Data.Length);
        Assert.True(ProofVerifier.VerifyRange(whole.Proof, root, whole.Data.Span));
    }
}
