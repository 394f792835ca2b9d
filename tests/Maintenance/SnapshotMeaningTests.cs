using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Maintenance;

/// <summary>
/// An import checks what a snapshot's state means, not just its hashes: every crafted state breaking
/// a rule is refused with <see cref="InvalidSnapshotException"/> naming the object and the rule, and
/// nothing is written; legal oddities (pages past a memory's length) import and behave the same on
/// both memory paths. Snapshots are read as streams with a cap per record.
/// </summary>
public sealed class SnapshotMeaningTests
{
    private const ulong KiB64 = 65536;

    [Fact]
    public void A_memory_length_that_is_not_a_multiple_of_64_KiB_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        crafter.SetLeaf(leaf with { MemoryLength = leaf.MemoryLength + 4096 });
        AssertRefused(crafter.Export(), id.ToString(), "is not a multiple of 64 KiB");
    }

    [Theory]
    [InlineData("counter", 1UL << 32, "4 GiB maximum of a 32-bit memory")]
    [InlineData("counter64", 1UL << 42, "4 TiB maximum of a 64-bit memory")]
    public void A_memory_length_over_the_width_maximum_is_refused(string contract, ulong maximum, string rule)
    {
        var (snapshot, id) = Snapshot(contract);
        using var crafter = new SnapshotCrafter(snapshot);
        crafter.SetLeaf(crafter.Leaf(id) with { MemoryLength = maximum + KiB64 });
        AssertRefused(crafter.Export(), id.ToString(), rule);
    }

    [Fact]
    public void A_page_tree_taller_than_its_width_holds_pages_beyond_the_maximum_and_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        // A 64-bit-height tree under a 32-bit leaf, with a page at 4 GiB (page 2^20).
        var tall = crafter.WithPages(leaf, [(1UL << 20, SnapshotCrafter.Page(7))], height: PageTree.Height64);
        crafter.SetLeaf(tall);
        AssertRefused(crafter.Export(), id.ToString(), "has 30 levels where a 32-bit memory's has 20: it can hold pages beyond the 32-bit maximum memory size");
    }

    [Fact]
    public void A_root_branch_pointing_at_a_page_node_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var pageTree = crafter.Leaf(id).PageTreeRoot;
        crafter.SetRoot(crafter.AddNode(SnapshotCrafter.ContractBranch(pageTree, crafter.Root)));
        AssertRefused(crafter.Export(), pageTree.ToString(), "is a page-tree branch where a contract-tree node at depth 1 belongs");
    }

    [Fact]
    public void A_page_tree_root_that_is_a_contract_leaf_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var original = crafter.Root; // the single contract's leaf
        crafter.SetLeaf(crafter.Leaf(id) with { PageTreeRoot = original, Owner = new byte[] { 9 } });
        AssertRefused(crafter.Export(), original.ToString(), $"is a contract leaf where a page-tree branch of level 20 belongs (the root of contract {id}'s page tree)");
    }

    [Fact]
    public void A_page_branch_of_the_wrong_level_inside_a_page_tree_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        // A level-20 root whose child is a level-1 branch (over page 0) where level 19 belongs.
        var low = crafter.AddNode(SnapshotCrafter.PageBranch(1, crafter.AddPage(SnapshotCrafter.Page(3)), PageStore.ZeroPageKey));
        var root = crafter.AddNode(SnapshotCrafter.PageBranch(PageTree.Height32, low, PageTree.EmptyChild(PageTree.Height32)));
        crafter.SetLeaf(leaf with { PageTreeRoot = root });
        AssertRefused(crafter.Export(), low.ToString(), "is a page-tree branch of level 1 where one of level 19 belongs");
    }

    [Fact]
    public void A_leaf_off_its_id_path_or_alone_under_a_branch_is_refused()
    {
        // Two contracts whose ids differ in their first bit: the tree is one branch over both leaves.
        var low = new ContractId(Hash.FromBytes(Enumerable.Repeat((byte)0x11, 32).ToArray()));
        var high = new ContractId(Hash.FromBytes(Enumerable.Repeat((byte)0x91, 32).ToArray()));
        var snapshot = Snapshot(("counter", low), ("counter", high));
        using (var crafter = new SnapshotCrafter(snapshot))
        {
            var (lowLeaf, highLeaf) = (crafter.Leaf(low).Hash, crafter.Leaf(high).Hash);
            Assert.Equal(crafter.Root, NodeLayout.Instance.KeyOf(SnapshotCrafter.ContractBranch(lowLeaf, highLeaf)));
            crafter.SetRoot(crafter.AddNode(SnapshotCrafter.ContractBranch(highLeaf, lowLeaf)));
            AssertRefused(crafter.Export(), high.ToString(), "on a path its id does not lead to");
        }
        using (var crafter = new SnapshotCrafter(snapshot))
        {
            var lowLeaf = crafter.Leaf(low).Hash;
            crafter.SetRoot(crafter.AddNode(SnapshotCrafter.ContractBranch(lowLeaf, Domain.EmptyState)));
            AssertRefused(crafter.Export(), low.ToString(), "the tree is not canonical");
        }
    }

    [Fact]
    public void One_node_in_two_places_is_refused()
    {
        var (snapshot, _) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var leafNode = crafter.Root;
        crafter.SetRoot(crafter.AddNode(SnapshotCrafter.ContractBranch(leafNode, leafNode)));
        AssertRefused(crafter.Export(), leafNode.ToString(), "an object has one place in a state");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("memory_not_exported.wat")]
    [InlineData("truncated")]
    public void Bytecode_failing_the_deploy_time_validation_is_refused(string kind)
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        var counter = Contracts.Bytes("counter");
        byte[] bytecode = kind switch
        {
            "garbage" => "not a wasm module at all"u8.ToArray(),
            "truncated" => counter[..(counter.Length / 2)],
            _ => Contracts.Wat(File.ReadAllText(Path.Combine(Contracts.Root, "tests", "contracts", "invalid", kind))),
        };
        var hash = crafter.AddBytecode(bytecode);
        crafter.SetLeaf(crafter.Leaf(id) with { Bytecode = hash });
        AssertRefused(crafter.Export(), hash.ToString(), "fails the deploy-time module validation");
    }

    [Fact]
    public void A_leaf_whose_memory_does_not_fit_its_bytecode_is_refused()
    {
        var (snapshot, id) = Snapshot("counter");
        using (var crafter = new SnapshotCrafter(snapshot))
        {
            var other = crafter.AddBytecode(Contracts.Bytes("counter64"));
            crafter.SetLeaf(crafter.Leaf(id) with { Bytecode = other });
            AssertRefused(crafter.Export(), id.ToString(), "has a 32-bit memory but its bytecode");
        }
        using (var crafter = new SnapshotCrafter(snapshot))
        {
            crafter.SetLeaf(crafter.Leaf(id) with { MemoryLength = 0, PageTreeRoot = PageTree.EmptyRoot(PageTree.Height32) });
            AssertRefused(crafter.Export(), id.ToString(), "is below the initial");
        }
        using (var crafter = new SnapshotCrafter(snapshot))
        {
            // A module whose memory may not grow past 2 pages, under a 3-page leaf.
            var small = crafter.AddBytecode(Contracts.Wat("""
                (module (memory (export "memory") 2 2) (global (export "A") i32 (i32.const 0))
                  (func (export "f") (param i32) (result i32) i32.const 0))
                """));
            crafter.SetLeaf(crafter.Leaf(id) with { Bytecode = small, MemoryLength = 3 * KiB64 });
            AssertRefused(crafter.Export(), id.ToString(), "exceeds the maximum 131072 bytes its bytecode");
        }
    }

    [Fact]
    public void A_refused_snapshot_changes_nothing_in_a_store_that_has_commits()
    {
        var (snapshot, id) = Snapshot("counter");
        using var crafter = new SnapshotCrafter(snapshot);
        crafter.SetLeaf(crafter.Leaf(id) with { MemoryLength = 3 * 4096 });
        var bad = crafter.Export();

        using var vm = VM.Ephemeral();
        var good = vm.Import(new MemoryStream(snapshot)).Root;
        // What the store holds (RocksDB's own disk use moves with background compactions).
        StoreStatistics Held() => vm.Statistics().Store with { DiskBytes = 0 };
        var before = Held();
        Assert.Throws<InvalidSnapshotException>(() => vm.Import(new MemoryStream(bad)));
        Assert.Equal([good], vm.Commits);
        Assert.Equal(before, Held());
        Assert.True(vm.Fsck().IsClean);
    }

    [Theory]
    [InlineData(MemoryPath.Mapped)]
    [InlineData(MemoryPath.Plain)]
    public void Pages_past_the_length_import_and_a_growth_over_them_exposes_their_bytes_as_piecrust_does(MemoryPath path)
    {
        var (snapshot, id) = Snapshot("growth");
        // Fails a growth, grows by one page, reads the new page's marker: on the state as exported,
        // this gives the reference root.
        Hash Script(Session session)
        {
            Assert.Throws<ContractPanicException>(() => session.Call(id, "grow_and_panic", Contracts.Le(1u), Contracts.Gas));
            session.Call(id, "grow_by", Contracts.Le(1u), Contracts.Gas);
            Assert.Equal(Contracts.Le(0xC0DE000000000000UL | 2), session.Call(id, "read_marker", Contracts.Le(2u), Contracts.Gas).Data);
            return session.Commit();
        }
        Hash grown;
        using (var reference = VM.Ephemeral(new VMOptions { Memory = path }))
        {
            var root = reference.Import(new MemoryStream(snapshot)).Root;
            using var session = reference.Session(new SessionData { Base = root });
            grown = Script(session);
        }

        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        ulong first = leaf.MemoryLength / 4096; // the first page past the length
        crafter.SetLeaf(crafter.WithPages(leaf, [(first, SnapshotCrafter.Page(0xA1)), (first + 1, SnapshotCrafter.Page(0xA2)), (first + 15, SnapshotCrafter.Page(0xA3))]));

        using var vm = VM.Ephemeral(new VMOptions { Memory = path });
        var crafted = vm.Import(new MemoryStream(crafter.Export())).Root;
        Assert.NotEqual(grown, crafted);
        using var crafting = vm.Session(new SessionData { Base = crafted });
        Assert.Equal(SnapshotCrafter.Page(0xA2), crafting.ReadPage(id, first + 1)); // stored bytes past the length
        // The growth only moves the length (piecrust 0.32, ABI "Loads and stores beyond the current
        // size"): the stored bytes show, under the marker the contract writes at the new page's start.
        var withMarker = SnapshotCrafter.Page(0xA1);
        BitConverter.GetBytes(0xC0DE000000000000UL | 2).CopyTo(withMarker, 0);
        var committed = Script(crafting);
        Assert.NotEqual(grown, committed);
        Assert.Equal(withMarker, crafting.ReadPage(id, first));
        Assert.Equal(SnapshotCrafter.Page(0xA2), crafting.ReadPage(id, first + 1));
        Assert.Equal(SnapshotCrafter.Page(0xA3), crafting.ReadPage(id, first + 15));
        Assert.Equal(SnapshotCrafter.Page(0xA3), vm.ReadPage(committed, id, first + 15));
        using var reloaded = vm.Session(new SessionData { Base = committed });
        Assert.Equal(withMarker, reloaded.ReadPage(id, first));
        Assert.True(vm.Fsck().IsClean);
    }

    [Fact]
    public void Both_memory_paths_agree_on_a_state_with_pages_past_the_length()
    {
        var (snapshot, id) = Snapshot("growth");
        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        ulong first = leaf.MemoryLength / 4096;
        const ulong last = (1UL << 20) - 1; // the last page under 4 GiB
        crafter.SetLeaf(crafter.WithPages(leaf, [(first + 3, SnapshotCrafter.Page(0xB1)), (first + 40, SnapshotCrafter.Page(0xB2)), (last, SnapshotCrafter.Page(0xB3))]));
        var bytes = crafter.Export();

        var runs = new[] { MemoryPath.Mapped, MemoryPath.Plain }.Select(path =>
        {
            using var vm = VM.Ephemeral(new VMOptions { Memory = path });
            var root = vm.Import(new MemoryStream(bytes)).Root;
            var seen = new List<string>();
            using var session = vm.Session(new SessionData { Base = root });
            void Look()
            {
                foreach (ulong page in new[] { first - 1, first + 3, first + 19, first + 40, last })
                    seen.Add($"{page}:{Hash.Of(session.ReadPage(id, page))}");
            }
            Look();
            session.Call(id, "grow_by", Contracts.Le(1u), Contracts.Gas);
            Look();
            var once = session.Commit();
            session.Call(id, "grow_by", Contracts.Le(2u), Contracts.Gas);
            Look();
            var twice = session.Commit();
            using var reloaded = vm.Session(new SessionData { Base = twice });
            foreach (ulong page in new[] { first + 40, last }) seen.Add($"reloaded {page}:{Hash.Of(reloaded.ReadPage(id, page))}");
            Assert.True(vm.Fsck().IsClean);
            return (Roots: new[] { root, once, twice }, Seen: seen);
        }).ToArray();

        Assert.Equal(runs[0].Roots, runs[1].Roots);
        Assert.Equal(runs[0].Seen, runs[1].Seen);
        Assert.Contains($"{last}:{Hash.Of(SnapshotCrafter.Page(0xB3))}", runs[0].Seen); // never covered: kept
        Assert.Contains($"reloaded {first + 40}:{Hash.Of(SnapshotCrafter.Page(0xB2))}", runs[0].Seen); // covered by the second growth: exposed, not cleared
    }

    [Fact]
    public void Stored_pages_past_a_lower_MaxMemory_stay_unreachable_and_kept_and_both_paths_agree()
    {
        // A page at the last 4 KiB under 4 GiB is legal state, but with MaxMemory = 16 MiB an instance's
        // memory ends at 16 MiB: nothing may be mapped or copied past it, and the page must survive commits.
        var (snapshot, id) = Snapshot("growth");
        using var crafter = new SnapshotCrafter(snapshot);
        var leaf = crafter.Leaf(id);
        ulong first = leaf.MemoryLength / 4096;
        const ulong last = (1UL << 20) - 1;
        crafter.SetLeaf(crafter.WithPages(leaf, [(first + 3, SnapshotCrafter.Page(0xC1)), (last, SnapshotCrafter.Page(0xC3))]));
        var bytes = crafter.Export();

        var runs = new[] { MemoryPath.Mapped, MemoryPath.Plain }.Select(path =>
        {
            using var vm = VM.Ephemeral(new VMOptions { Memory = path, MaxMemory = 16UL << 20 });
            var root = vm.Import(new MemoryStream(bytes)).Root;
            using var session = vm.Session(new SessionData { Base = root });
            Assert.Equal(Contracts.Le(2UL), session.Call(id, "grow_by", Contracts.Le(1u), Contracts.Gas).Data);
            var grown = session.Commit();
            Assert.Equal(SnapshotCrafter.Page(0xC3), vm.ReadPage(grown, id, last));
            Assert.Equal(SnapshotCrafter.Page(0xC1), vm.ReadPage(grown, id, first + 3)); // inside the grown page, exposed as stored
            Assert.True(vm.Fsck().IsClean);
            return grown;
        }).ToArray();
        Assert.Equal(runs[0], runs[1]);
    }

    [Fact]
    public void A_gigabyte_of_garbage_after_a_valid_header_is_refused_at_its_first_record_in_little_memory()
    {
        var (snapshot, _) = Snapshot("counter");
        var header = snapshot[..StateSnapshot.HeaderLength];
        // A page record's header, then random bytes: a page nothing references.
        byte[] prefix = [.. header, 1, 0, 16, 0, 0];
        var garbage = new GarbageStream(prefix, 1L << 30);
        using var vm = VM.Ephemeral();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(garbage));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Contains("does not reach", error.Message);
        Assert.True(garbage.Consumed < 1 << 20, $"read {garbage.Consumed} bytes before refusing");
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
        Assert.Empty(vm.Commits);
    }

    [Fact]
    public void A_gigabyte_of_random_bytes_is_refused_at_once()
    {
        var garbage = new GarbageStream([], 1L << 30);
        using var vm = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(garbage));
        Assert.Contains("magic", error.Message);
        Assert.True(garbage.Consumed <= StateSnapshot.HeaderLength);
    }

    [Theory]
    [InlineData(3, 1 << 30, "bytecode")] // a gigabyte of bytecode
    [InlineData(3, (1 << 20) + 1, "bytecode")] // one byte over the default VMOptions.MaxModuleSize
    [InlineData(2, 1 << 20, "node")]
    [InlineData(1, 4097, "page")]
    public void An_oversized_record_is_refused_from_its_header_without_reading_it(byte kind, int length, string what)
    {
        var (snapshot, _) = Snapshot("counter");
        byte[] prefix = [.. snapshot[..StateSnapshot.HeaderLength], kind, .. BitConverter.GetBytes(length)];
        var garbage = new GarbageStream(prefix, prefix.Length + (long)length + 1000);
        using var vm = VM.Ephemeral();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(garbage));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Contains($"a {what} record at byte {StateSnapshot.HeaderLength} claims {length} bytes", error.Message);
        Assert.Equal(prefix.Length, garbage.Consumed);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Garbage_after_the_valid_records_of_a_snapshot_is_refused_at_its_first_record()
    {
        var (snapshot, _) = Snapshot("counter");
        var records = SnapshotCrafter.Records(snapshot);
        // Header and every record, then garbage where the trailer should be: a bytecode record header claiming 1 MiB.
        int end = snapshot.Length - StateSnapshot.TrailerLength;
        byte[] prefix = [.. snapshot[..end], 3, 0, 0, 16, 0];
        var garbage = new GarbageStream(prefix, 1L << 30);
        using var vm = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(garbage));
        Assert.Contains("does not reach", error.Message);
        Assert.True(garbage.Consumed < end + (2 << 20));
        Assert.NotEmpty(records);
        Assert.Empty(vm.Commits);
    }

    /// <summary>A fresh ephemeral VM with one contract deployed and committed, exported.</summary>
    private static (byte[] Snapshot, ContractId Id) Snapshot(string contract)
    {
        var id = new ContractId(Hash.Of(Contracts.Bytes(contract)));
        return (Snapshot((contract, id)), id);
    }

    /// <summary>A fresh ephemeral VM with contracts deployed at the given ids and committed, exported.</summary>
    private static byte[] Snapshot(params (string Contract, ContractId Id)[] contracts)
    {
        using var vm = VM.Ephemeral();
        using var session = vm.Session();
        foreach (var (contract, id) in contracts)
            session.Deploy(Contracts.Bytes(contract), new ContractData(Contracts.Owner, default, id), Contracts.Gas);
        var root = session.Commit();
        var output = new MemoryStream();
        vm.Export(root, output);
        return output.ToArray();
    }

    /// <summary>The snapshot is refused with a message naming <paramref name="subject"/> and the rule, into an empty and a non-empty store, which stay as they were.</summary>
    private static void AssertRefused(byte[] snapshot, string subject, string rule)
    {
        using var vm = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(new MemoryStream(snapshot)));
        Assert.Contains(subject, error.Message);
        Assert.Contains(rule, error.Message);
        Assert.Contains("Nothing was imported", error.Message);
        Assert.Empty(vm.Commits);
        var stats = vm.Statistics().Store;
        Assert.Equal(0, stats.Pages + stats.Nodes + stats.Bytecodes + stats.ReferenceCounts);
    }
}
