using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Piecrust.Merkle;
using Piecrust.PropertyTests.Support;
using Piecrust.Storage;

namespace Piecrust.PropertyTests;

/// <summary>
/// Reference counting against reachability: after any sequence of commits (bare page trees and
/// contract states, each built on a live or leased commit or on nothing), deletions, leases and
/// releases, the store holds exactly the objects reachable from the live and leased commits, and
/// each one's count is the number of distinct stored nodes referencing it plus the commits rooted at
/// it. Both sides are computed by walking the trees, independently of the counts.
/// </summary>
public sealed class ReclamationProperties
{
    /// <summary>The contracts a state commit can touch: three ids sharing long prefixes and one 64-bit contract.</summary>
    private static readonly (ContractId Id, bool Is64)[] Contracts =
    [
        (new IdSpec(2, []).Id, false),
        (new IdSpec(2, [255]).Id, false),
        (new IdSpec(2, [128]).Id, false),
        (new IdSpec(3, []).Id, true),
    ];

    private static readonly Hash EmptyTree = PageTree.EmptyRoot(PageTree.Height32);

    /// <summary>A step of the scenario. Picks choose among the candidates of the moment, modulo their number.</summary>
    public abstract record Op;

    /// <summary>Commits a bare 32-bit page tree built on tree commit #<paramref name="Base"/> (live or leased; the empty tree when negative or none).</summary>
    public sealed record CreateTree(int Base, PageWrite[] Writes) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"tree on {(Base < 0 ? "empty" : $"#{Base}")} {PageWrite.Format(Writes)}";
    }

    /// <summary>Writes pages of one contract and sets its bytecode.</summary>
    public sealed record ContractWrite(int Contract, int Bytecode, PageWrite[] Pages)
    {
        /// <inheritdoc/>
        public override string ToString() => $"c{Contract} code{Bytecode} {PageWrite.Format(Pages)}";
    }

    /// <summary>Commits a contract state built on state commit #<paramref name="Base"/> (live or leased; the empty state when negative or none).</summary>
    public sealed record CreateState(int Base, ContractWrite[] Writes) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"state on {(Base < 0 ? "empty" : $"#{Base}")} [{string.Join("; ", Writes.AsEnumerable())}]";
    }

    /// <summary>Deletes live commit #<paramref name="Pick"/>.</summary>
    public sealed record Delete(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"delete live #{Pick}";
    }

    /// <summary>Deletes live commit #<paramref name="Pick"/> among those that hold a lease (a session's base deleted under it).</summary>
    public sealed record DeleteLeased(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"delete leased live #{Pick}";
    }

    /// <summary>Leases live commit #<paramref name="Pick"/>.</summary>
    public sealed record Lease(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"lease live #{Pick}";
    }

    /// <summary>Releases held lease #<paramref name="Pick"/>.</summary>
    public sealed record Release(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"release lease #{Pick}";
    }

    /// <summary>Writes the root of live or leased commit #<paramref name="Pick"/> again (a deleted but leased one comes back to life).</summary>
    public sealed record Recommit(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"recommit #{Pick}";
    }

    /// <summary>Marks live commit #<paramref name="Pick"/> finalized.</summary>
    public sealed record Finalize(int Pick) : Op
    {
        /// <inheritdoc/>
        public override string ToString() => $"finalize live #{Pick}";
    }

    /// <summary>Closes and reopens the store, as after a restart: leases are gone, commits deleted under a lease are reclaimed.</summary>
    public sealed record Reopen : Op
    {
        /// <inheritdoc/>
        public override string ToString() => "reopen";
    }

    /// <summary>The scenario: steps in order, then every lease released and every commit deleted.</summary>
    public sealed record Scenario(Op[] Ops)
    {
        /// <inheritdoc/>
        public override string ToString() => string.Join(" | ", Ops.AsEnumerable());
    }

    private static readonly Gen<ulong> IndexGen = Gen.Frequency(
        (4, Gen.Choose(0, 7).Select(i => (ulong)i)),
        (2, Gen.Choose(1000, 1003).Select(i => (ulong)i)),
        (1, Gen.Elements(524288UL, 1048575UL, (1UL << 30) - 1, 1UL << 25)),
        (1, Gen.Choose(0, (1 << 20) - 1).Select(i => (ulong)i)));

    private static readonly Gen<PageContent> ContentGen = Gen.Frequency(
        (2, Gen.Constant(PageContent.Zero)),
        (6, Gen.Choose(1, 4).Select(s => new PageContent(s))),
        (1, Gen.Choose(5, 999).Select(s => new PageContent(s))));

    private static readonly Gen<PageWrite[]> WritesGen =
        from n in Gen.Choose(0, 6)
        from writes in (from i in IndexGen from c in ContentGen select new PageWrite(i, c)).ArrayOf(n)
        select writes;

    private static readonly Gen<int> BaseGen = Gen.Frequency((1, Gen.Constant(-1)), (4, Gen.Choose(0, 9)));

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (3, from b in BaseGen from w in WritesGen select (Op)new CreateTree(b, w)),
        (3, from b in BaseGen
            from n in Gen.Choose(1, 3)
            from w in (from c in Gen.Choose(0, Contracts.Length - 1)
                       from code in Gen.Choose(0, 2)
                       from pages in WritesGen
                       select new ContractWrite(c, code, pages)).ArrayOf(n)
            select (Op)new CreateState(b, w)),
        (3, Gen.Choose(0, 9).Select(p => (Op)new Delete(p))),
        (2, Gen.Choose(0, 9).Select(p => (Op)new Lease(p))),
        (2, Gen.Choose(0, 9).Select(p => (Op)new DeleteLeased(p))),
        (1, Gen.Choose(0, 9).Select(p => (Op)new Release(p))),
        (1, Gen.Choose(0, 9).Select(p => (Op)new Recommit(p))),
        (1, Gen.Choose(0, 9).Select(p => (Op)new Finalize(p))),
        (1, Gen.Constant((Op)new Reopen())));

    private static readonly Gen<Scenario> ScenarioGen =
        from n in Gen.Choose(1, 25)
        from ops in OpGen.ArrayOf(n)
        select new Scenario(ops);

    private static IEnumerable<Scenario> ShrinkScenario(Scenario s) =>
        Shrink.List(s.Ops, SimplerOp, minCount: 1).Select(ops => new Scenario(ops));

    private static IEnumerable<Op> SimplerOp(Op op) => op switch
    {
        CreateTree t => (t.Base > 0 ? [t with { Base = 0 }] : Array.Empty<Op>())
            .Concat(Shrink.List(t.Writes, Shrink.Write).Select(w => t with { Writes = w })),
        CreateState s => Shrink.List(s.Writes, w => Shrink.List(w.Pages, Shrink.Write).Select(p => w with { Pages = p }), minCount: 1)
            .Select(w => (Op)(s with { Writes = w })),
        _ => [],
    };

    [Property(MaxTest = 100)]
    public Property The_store_holds_exactly_what_live_and_leased_commits_reach_with_exact_counts() =>
        Prop.ForAll(Arb.From(ScenarioGen, ShrinkScenario), Run);

    private enum Kind { Tree, State }

    /// <summary>What the test expects of the store: its live commits, deleted-but-leased ones, held leases.</summary>
    private sealed class Model
    {
        public readonly List<(Hash Root, Kind Kind)> Live = new();
        public readonly List<(Hash Root, Kind Kind)> Pending = new();
        public readonly List<(Hash Root, IDisposable Handle)> Leases = new();
        public readonly HashSet<ObjectRef> EverStored = new();
        public readonly Dictionary<Hash, byte[]> Nodes = new();
        public Hash? Finalized;

        public bool IsLive(Hash root) => Live.Any(c => c.Root == root);

        public void Committed(Hash root, Kind kind)
        {
            int pending = Pending.FindIndex(c => c.Root == root);
            if (pending >= 0) Pending.RemoveAt(pending); // writing a deleted-but-leased root revives it
            if (!IsLive(root)) Live.Add((root, kind));
        }
    }

    /// <summary>A store in a directory of its own (not an ephemeral one), so that it can be reopened; removed on dispose.</summary>
    private sealed class ReopenableStore : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "piecrust-prop-" + Guid.NewGuid().ToString("N"));
        private readonly PageStoreOptions _options = new() { Durable = false };

        public ReopenableStore() => Store = MerkleIndex.OpenStore(_directory, _options);

        public PageStore Store { get; private set; }

        public void Reopen()
        {
            Store.Dispose();
            Store = MerkleIndex.OpenStore(_directory, _options);
        }

        public void Dispose()
        {
            Store.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Property Run(Scenario scenario)
    {
        using var reopenable = new ReopenableStore();
        var store = reopenable.Store;
        var index = new MerkleIndex(store);
        var model = new Model();
        var checks = new Checks();
        int revived = 0, pendingSeen = 0, sharedChildren = 0, reopenedWithPending = 0;

        for (int step = 0; step < scenario.Ops.Length && checks.Passed; step++)
        {
            var op = scenario.Ops[step];
            switch (op)
            {
                case CreateTree t:
                {
                    var bases = model.Live.Concat(model.Pending).Where(c => c.Kind == Kind.Tree).ToArray();
                    Hash? parent = t.Base < 0 || bases.Length == 0 ? null : bases[t.Base % bases.Length].Root;
                    var staged = new StagedObjects();
                    var writes = t.Writes.GroupBy(w => w.Index % PageTree.Capacity(PageTree.Height32)).Select(g => (Index: g.Key, g.Last().Content)).OrderBy(w => w.Index);
                    var changes = writes.Select(w => new PageChange(w.Index, staged.AddPage(w.Content.Bytes))).ToArray();
                    var root = index.UpdatePages(parent ?? EmptyTree, PageTree.Height32, changes, staged);
                    if (model.Pending.Any(c => c.Root == root)) revived++;
                    store.WriteCommit(root, root == EmptyTree ? null : ObjectRef.Node(root), parent, staged);
                    model.Committed(root, Kind.Tree);
                    break;
                }
                case CreateState s:
                {
                    var bases = model.Live.Concat(model.Pending).Where(c => c.Kind == Kind.State).ToArray();
                    Hash? parent = s.Base < 0 || bases.Length == 0 ? null : bases[s.Base % bases.Length].Root;
                    var staged = new StagedObjects();
                    var root = parent ?? Domain.EmptyState;
                    foreach (var write in s.Writes)
                        root = ApplyContractWrite(index, root, write, staged);
                    if (model.Pending.Any(c => c.Root == root)) revived++;
                    store.WriteCommit(root, root == Domain.EmptyState ? null : ObjectRef.Node(root), parent, staged);
                    model.Committed(root, Kind.State);
                    break;
                }
                case Delete d when model.Live.Count > 0:
                    DeleteCommit(model.Live[d.Pick % model.Live.Count]);
                    break;
                case DeleteLeased d when model.Live.Any(IsLeased):
                {
                    var leased = model.Live.Where(IsLeased).ToArray();
                    DeleteCommit(leased[d.Pick % leased.Length]);
                    break;
                }
                case Lease l when model.Live.Count > 0:
                {
                    var root = model.Live[l.Pick % model.Live.Count].Root;
                    model.Leases.Add((root, store.Lease(root)));
                    break;
                }
                case Release r when model.Leases.Count > 0:
                {
                    var lease = model.Leases[r.Pick % model.Leases.Count];
                    lease.Handle.Dispose();
                    model.Leases.Remove(lease);
                    if (!model.Leases.Any(x => x.Root == lease.Root)) model.Pending.RemoveAll(c => c.Root == lease.Root);
                    break;
                }
                case Recommit c when model.Live.Count + model.Pending.Count > 0:
                {
                    var all = model.Live.Concat(model.Pending).ToArray();
                    var commit = all[c.Pick % all.Length];
                    if (model.Pending.Contains(commit)) revived++;
                    store.WriteCommit(commit.Root, HasNode(commit.Root) ? ObjectRef.Node(commit.Root) : null, null, new StagedObjects());
                    model.Committed(commit.Root, commit.Kind);
                    break;
                }
                case Finalize f when model.Live.Count > 0:
                {
                    var root = model.Live[f.Pick % model.Live.Count].Root;
                    store.Finalize(root, pruneOthers: false);
                    model.Finalized = root;
                    break;
                }
                case Reopen:
                {
                    if (model.Pending.Count > 0) reopenedWithPending++;
                    reopenable.Reopen();
                    store = reopenable.Store;
                    index = new MerkleIndex(store);
                    // Leases die with the store that granted them (disposing them now does nothing).
                    foreach (var (_, handle) in model.Leases) handle.Dispose();
                    model.Leases.Clear();
                    model.Pending.Clear();
                    break;
                }
            }
            sharedChildren += Verify(store, model, checks, $"after step {step + 1} ({op})");
        }

        bool IsLeased((Hash Root, Kind Kind) commit) => model.Leases.Any(l => l.Root == commit.Root);

        void DeleteCommit((Hash Root, Kind Kind) commit)
        {
            store.DeleteCommit(commit.Root);
            model.Live.Remove(commit);
            if (model.Finalized == commit.Root) model.Finalized = null;
            if (IsLeased(commit))
            {
                model.Pending.Add(commit);
                pendingSeen++;
            }
        }

        // Tear down: release every lease, delete every commit; the store ends empty.
        while (checks.Passed && model.Leases.Count > 0)
        {
            var lease = model.Leases[^1];
            lease.Handle.Dispose();
            model.Leases.RemoveAt(model.Leases.Count - 1);
            if (!model.Leases.Any(x => x.Root == lease.Root)) model.Pending.RemoveAll(c => c.Root == lease.Root);
            Verify(store, model, checks, $"after releasing a lease on {Short(lease.Root)} in teardown");
        }
        while (checks.Passed && model.Live.Count > 0)
        {
            var commit = model.Live[0];
            store.DeleteCommit(commit.Root);
            model.Live.RemoveAt(0);
            if (model.Finalized == commit.Root) model.Finalized = null;
            Verify(store, model, checks, $"after deleting {Short(commit.Root)} in teardown");
        }
        if (checks.Passed)
        {
            foreach (var kind in Enum.GetValues<ObjectKind>())
                checks.That(!store.Keys(kind).Any(), () => $"{kind} objects left after deleting everything");
            checks.That(store.Commits.Count == 0, () => "commits left after deleting everything");
        }

        return checks.ToProperty()
            .Classify(pendingSeen > 0, "a leased commit deleted")
            .Classify(revived > 0, "a deleted, leased commit written again")
            .Classify(reopenedWithPending > 0, "reopened with a deleted, leased commit")
            .Classify(sharedChildren > 0, "a node referencing the same child twice")
            .Classify(scenario.Ops.OfType<CreateTree>().Any() && scenario.Ops.OfType<CreateState>().Any(), "trees and states");
    }

    private static Hash ApplyContractWrite(MerkleIndex index, Hash root, ContractWrite write, StagedObjects staged)
    {
        var (id, is64) = Contracts[write.Contract];
        int height = PageTree.HeightFor(is64);
        var bytecode = new byte[] { 0x00, 0x61, 0x73, 0x6D, (byte)write.Bytecode };
        var leaf = index.GetContract(root, id, staged)
            ?? new ContractLeaf(id, default, new byte[] { (byte)write.Contract }, PageTree.EmptyRoot(height), 1UL << 20, is64);
        var changes = write.Pages.GroupBy(w => w.Index % PageTree.Capacity(height)).Select(g => (Index: g.Key, g.Last().Content)).OrderBy(w => w.Index)
            .Select(w => new PageChange(w.Index, staged.AddPage(w.Content.Bytes))).ToArray();
        var tree = index.UpdatePages(leaf.PageTreeRoot, height, changes, staged);
        return index.SetContract(root, leaf with { PageTreeRoot = tree, Bytecode = staged.AddBytecode(bytecode) }, staged);
    }

    private static bool HasNode(Hash root) => root != EmptyTree && root != Domain.EmptyState;

    /// <summary>
    /// Compares the store with the model: commits, leases, stored objects against a walk from the
    /// live and leased roots, and every count against the walk's parents. Returns how many walked
    /// nodes reference one child twice (for classification).
    /// </summary>
    private static int Verify(PageStore store, Model model, Checks checks, string when)
    {
        checks.SetEqual(model.Live.Select(c => Short(c.Root)), store.Commits.Select(c => Short(c.Root)), $"live commits {when}");
        checks.Equal(model.Finalized, store.Finalized, $"finalized commit {when}");
        foreach (var root in model.Leases.Select(l => l.Root).Distinct())
            checks.Equal(model.Leases.Count(l => l.Root == root), store.LeaseCount(root), $"leases on {Short(root)} {when}");

        // Walk every tree from the roots the store must keep; count each node's distinct children once.
        var expected = new Dictionary<ObjectRef, ulong>();
        var pending = new Stack<ObjectRef>();
        foreach (var (root, _) in model.Live.Concat(model.Pending))
        {
            if (!HasNode(root)) continue;
            var node = ObjectRef.Node(root);
            expected[node] = expected.GetValueOrDefault(node) + 1;
            pending.Push(node);
        }
        var visited = new HashSet<ObjectRef>();
        var children = new List<ObjectRef>();
        int sharedChildren = 0;
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            if (!visited.Add(reference) || reference.Kind != ObjectKind.Node) continue;
            // Nodes are immutable under their key: each is read (and verified) from the store once
            // per case; that it is still stored is checked below against the store's keys.
            if (!model.Nodes.TryGetValue(reference.Key, out var node))
            {
                try
                {
                    node = model.Nodes[reference.Key] = store.ReadNode(reference.Key);
                }
                catch (CorruptStoreException e)
                {
                    checks.That(false, () => $"reachable {reference} cannot be read {when}: {e.Message}");
                    continue;
                }
            }
            children.Clear();
            store.Layout.AddChildren(node, children);
            if (children.Distinct().Count() != children.Count) sharedChildren++;
            foreach (var child in children.Distinct())
            {
                expected[child] = expected.GetValueOrDefault(child) + 1;
                pending.Push(child);
            }
        }

        foreach (var kind in Enum.GetValues<ObjectKind>())
            checks.SetEqual(visited.Where(r => r.Kind == kind), store.Keys(kind).Select(k => new ObjectRef(kind, k)), $"stored {kind.ToString().ToLowerInvariant()}s vs reachable ones {when}");
        foreach (var (reference, count) in expected)
            checks.Equal(count, store.RefCount(reference), $"count of {reference} (referencing nodes + commits rooted at it) {when}");

        // Whatever was stored once and is unreachable now has neither bytes nor a count left.
        model.EverStored.UnionWith(visited);
        foreach (var gone in model.EverStored.Where(r => !visited.Contains(r)))
            checks.That(!store.Contains(gone) && store.RefCount(gone) == 0, () => $"unreachable {gone} still has bytes or count {store.RefCount(gone)} {when}");
        return sharedChildren;
    }

    private static string Short(Hash hash) => hash.ToString()[..12];
}
