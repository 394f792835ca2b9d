using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Piecrust.Merkle;
using Piecrust.PropertyTests.Support;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.PropertyTests;

/// <summary>
/// The contract tree is canonical: whatever order leaves are inserted or replaced in, the state
/// root is that of the final set of leaves, and lookups and enumeration see exactly that set.
/// Ids are generated adversarially (shared prefixes up to the last bit).
/// </summary>
public sealed class ContractTreeProperties(SharedStore shared) : IClassFixture<SharedStore>
{
    /// <summary>Sets the leaf of <see cref="Id"/> to its <see cref="Version"/>-th variant (bytecode, owner, memory length, pointer width).</summary>
    public sealed record LeafWrite(IdSpec Id, int Version)
    {
        /// <summary>The leaf (its page tree is empty, so it can be committed with just its bytecode staged).</summary>
        public ContractLeaf Leaf
        {
            get
            {
                bool is64 = Version % 2 == 1;
                return new ContractLeaf(Id.Id, Hash.Of(Bytecode), Enumerable.Range(0, Version % 5).Select(i => (byte)(Version + i)).ToArray(),
                    PageTree.EmptyRoot(PageTree.HeightFor(is64)), (ulong)Version << 16, is64);
            }
        }

        /// <summary>The bytecode the leaf names (three variants, so leaves share bytecode).</summary>
        public byte[] Bytecode => [0x00, 0x61, 0x73, 0x6D, (byte)(Version % 3)];

        /// <inheritdoc/>
        public override string ToString() => $"{Id}:v{Version}";
    }

    /// <summary>
    /// Leaf writes in order; the state after <see cref="CommitAfter"/> writes (if in range) is committed
    /// and the rest are applied on top of the stored tree. <see cref="Shuffle"/> seeds another order of
    /// the final set of leaves.
    /// </summary>
    public sealed record Scenario(LeafWrite[] Writes, int CommitAfter, int Shuffle, IdSpec[] Probes)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"writes [{string.Join(", ", Writes.AsEnumerable())}], commit after {CommitAfter}, shuffle {Shuffle}, probes [{string.Join(", ", Probes.AsEnumerable())}]";
    }

    private static Gen<Scenario> Scenarios()
    {
        // A pool of ids per case, so that replacements (the same id written again) are common.
        return from poolSize in Gen.Choose(1, 40)
               from pool in IdSpec.Generator.ArrayOf(poolSize)
               from count in Gen.Choose(1, 60)
               from writes in (from id in Gen.Elements(pool)
                               from version in Gen.Choose(0, 9)
                               select new LeafWrite(id, version)).ArrayOf(count)
               from commitAfter in Gen.Choose(-1, count)
               from shuffle in Gen.Choose(0, int.MaxValue)
               from probeCount in Gen.Choose(0, 20)
               from probes in IdSpec.Generator.ArrayOf(probeCount)
               select new Scenario(writes, commitAfter, shuffle, probes);
    }

    private static IEnumerable<Scenario> ShrinkScenario(Scenario s)
    {
        if (s.CommitAfter >= 0) yield return s with { CommitAfter = -1 };
        foreach (var writes in Shrink.List(s.Writes, w => IdSpec.Simpler(w.Id).Select(id => w with { Id = id }).Append(w with { Version = 0 }).Where(x => x != w), minCount: 1))
            yield return s with { Writes = writes };
        foreach (var probes in Shrink.List(s.Probes))
            yield return s with { Probes = probes };
    }

    [Property(MaxTest = 100)]
    public Property The_state_root_depends_only_on_the_final_set_of_leaves() =>
        Prop.ForAll(Arb.From(Scenarios(), ShrinkScenario), Check);

    private Property Check(Scenario scenario)
    {
        var (store, index) = shared.Begin();
        var checks = new Checks();
        var final = new Dictionary<ContractId, ContractLeaf>();
        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        var commits = new List<Hash>();
        int replacements = 0;
        for (int i = 0; i < scenario.Writes.Length; i++)
        {
            if (i == scenario.CommitAfter)
            {
                commits.Add(Commit(store, root, staged));
                staged = new StagedObjects();
            }
            var write = scenario.Writes[i];
            var leaf = write.Leaf;
            if (final.ContainsKey(leaf.Id)) replacements++;
            final[leaf.Id] = leaf;
            staged.AddBytecode(write.Bytecode);
            root = index.SetContract(root, leaf, staged);
        }

        var leaves = final.Values.OrderBy(l => l.Id).ToArray();
        checks.Equal(ReferenceRoots.ContractRoot(leaves), root, "state root vs reference root of the final leaves");
        checks.Equal(Build(index, leaves), root, "state root vs final leaves inserted in id order");
        checks.Equal(Build(index, leaves.Reverse()), root, "state root vs final leaves inserted in reverse id order");
        var shuffled = leaves.OrderBy(_ => 0).ToArray();
        new Random(scenario.Shuffle).Shuffle(shuffled);
        checks.Equal(Build(index, shuffled), root, $"state root vs final leaves inserted as [{string.Join(", ", shuffled.Select(l => Short(l.Id)))}]");
        checks.That(Build(index, leaves.Skip(1)) != root, () => $"removing {Short(leaves[0].Id)} leaves the root unchanged");

        Lookups(checks, index, root, final, scenario, staged, "staged");
        commits.Add(Commit(store, root, staged));
        Lookups(checks, index, root, final, scenario, staged: null, "stored");
        foreach (var commit in commits.Distinct())
            store.DeleteCommit(commit);
        checks.That(store.Commits.Count == 0 && commits.All(c => !store.Contains(ObjectRef.Node(c))),
            () => "the case's commits or root nodes are still stored after deletion");

        int longestSharedPrefix = final.Keys.SelectMany(a => final.Keys.Where(b => a.CompareTo(b) < 0).Select(b => SharedPrefix(a, b))).DefaultIfEmpty(0).Max();
        shared.Finish(checks);
        return checks.ToProperty()
            .Classify(final.Count == 1, "one leaf")
            .Classify(final.Count >= 20, "20+ leaves")
            .Classify(replacements > 0, "leaves replaced")
            .Classify(longestSharedPrefix == 255, "ids differing only in the last bit")
            .Classify(longestSharedPrefix >= 248, "ids sharing 31+ bytes");
    }

    private static void Lookups(Checks checks, MerkleIndex index, Hash root, Dictionary<ContractId, ContractLeaf> final, Scenario scenario, StagedObjects? staged, string source)
    {
        foreach (var (id, leaf) in final)
        {
            var found = index.GetContract(root, id, staged);
            checks.That(leaf.Equals(found), () => $"GetContract({Short(id)}) ({source}) returned {(found is null ? "nothing" : Describe(found))}, expected {Describe(leaf)}");
        }
        // Ids next to the inserted ones (and the probes) are absent.
        var absent = final.Keys.SelectMany(Neighbours).Concat(scenario.Probes.Select(p => p.Id)).Where(id => !final.ContainsKey(id)).Distinct();
        foreach (var id in absent)
        {
            var found = index.GetContract(root, id, staged);
            checks.That(found is null, () => $"GetContract({Short(id)}) ({source}) found {Describe(found!)} for an id never inserted");
        }
        var listed = index.Contracts(root, staged).ToArray();
        checks.SequenceEqual(final.Keys.Order().Select(Short), listed.Select(l => Short(l.Id)), $"Contracts ids ({source})");
        checks.That(listed.All(l => final.TryGetValue(l.Id, out var expected) && expected.Equals(l)), () => $"Contracts ({source}) lists a leaf with other fields");
    }

    private static IEnumerable<ContractId> Neighbours(ContractId id)
    {
        foreach (int bit in new[] { 255, 254, 248, 7, 0 })
        {
            var bytes = id.ToArray();
            bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            yield return ContractId.FromBytes(bytes);
        }
    }

    private static Hash Build(MerkleIndex index, IEnumerable<ContractLeaf> leaves)
    {
        var staged = new StagedObjects();
        return leaves.Aggregate(Domain.EmptyState, (root, leaf) => index.SetContract(root, leaf, staged));
    }

    private static Hash Commit(PageStore store, Hash root, StagedObjects staged)
    {
        store.WriteCommit(root, root == Domain.EmptyState ? null : ObjectRef.Node(root), null, staged);
        return root;
    }

    private static int SharedPrefix(ContractId a, ContractId b)
    {
        int bit = 0;
        while (bit < 256 && a.Bit(bit) == b.Bit(bit)) bit++;
        return bit;
    }

    private static string Short(ContractId id) => IdSpec.Describe(id);

    private static string Describe(ContractLeaf leaf) =>
        $"leaf {Short(leaf.Id)} (bytecode {leaf.Bytecode.ToString()[..8]}, owner {Convert.ToHexString(leaf.Owner.Span)}, length {leaf.MemoryLength}, 64-bit {leaf.Is64})";
}
