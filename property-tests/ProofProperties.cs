using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Piecrust.Merkle;
using Piecrust.PropertyTests.Support;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.PropertyTests;

/// <summary>
/// Proofs of committed states: every page proof verifies with the page's real bytes (as an object
/// and after a serialization round trip) and with no other bytes; every absent id has a verifying
/// absence proof and no present id has one.
/// </summary>
public sealed class ProofProperties(SharedStore shared) : IClassFixture<SharedStore>
{
    /// <summary>A contract of the generated state: id, pointer width, owner length, memory length and written pages.</summary>
    public sealed record ContractSpec(IdSpec Id, bool Is64, int OwnerLength, ulong MemoryLength, PageWrite[] Pages)
    {
        /// <summary>The contract's bytecode (two variants).</summary>
        public byte[] Bytecode => [0x00, 0x61, 0x73, 0x6D, (byte)(OwnerLength % 2)];

        /// <summary>The contract's owner bytes.</summary>
        public byte[] Owner => Enumerable.Range(0, OwnerLength).Select(i => (byte)(i * 31 + 7)).ToArray();

        /// <inheritdoc/>
        public override string ToString() => $"{Id}{(Is64 ? " (64-bit)" : "")} owner {OwnerLength}B length {MemoryLength} pages {PageWrite.Format(Pages)}";
    }

    /// <summary>How a query picks its page index.</summary>
    public enum Target
    {
        /// <summary>The <see cref="PageQuery.Pick"/>-th written page of the contract.</summary>
        Written,
        /// <summary>A written page's index plus <see cref="PageQuery.Delta"/> (often a zero page next to a present one).</summary>
        Near,
        /// <summary>Index <see cref="PageQuery.Pick"/> itself (mostly a zero page).</summary>
        At,
    }

    /// <summary>A page to prove, and which bit to flip for a tampered copy of it.</summary>
    public sealed record PageQuery(int Contract, Target Target, int Pick, int Delta, int FlipBit)
    {
        /// <summary>The page index the query names in <paramref name="contract"/>.</summary>
        public ulong IndexIn(ContractSpec contract)
        {
            ulong capacity = PageTree.Capacity(PageTree.HeightFor(contract.Is64));
            var written = contract.Pages.Select(p => p.Index).Distinct().Order().ToArray();
            ulong index = Target switch
            {
                Target.Written when written.Length > 0 => written[Pick % written.Length],
                Target.Near when written.Length > 0 => (ulong)((long)written[Pick % written.Length] + Delta),
                _ => (ulong)Pick,
            };
            return index % capacity;
        }

        /// <inheritdoc/>
        public override string ToString() => Target switch
        {
            Target.Written => $"c{Contract}: written page #{Pick}, flip {FlipBit}",
            Target.Near => $"c{Contract}: written page #{Pick}{Delta:+0;-0}, flip {FlipBit}",
            _ => $"c{Contract}: page {Pick}, flip {FlipBit}",
        };
    }

    /// <summary>A state of several contracts, pages to prove in it, and ids to prove absent (present ones are checked to have no absence proof).</summary>
    public sealed record Scenario(ContractSpec[] Contracts, PageQuery[] Queries, IdSpec[] Absent)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"contracts [{string.Join("; ", Contracts.AsEnumerable())}], queries [{string.Join("; ", Queries.AsEnumerable())}], absent [{string.Join(", ", Absent.AsEnumerable())}]";
    }

    private static readonly Gen<ContractSpec> ContractGen =
        from id in IdSpec.Generator
        from is64 in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from owner in Gen.Elements(0, 1, 32, 100)
        from length in Gen.Elements(0UL, 65536UL, 1UL << 32, 1UL << 42, ulong.MaxValue)
        from pageCount in Gen.Choose(0, 12)
        from pages in PageGens.Write(PageTree.HeightFor(is64)).ArrayOf(pageCount)
        select new ContractSpec(id, is64, owner, length, pages);

    private static readonly Gen<PageQuery> QueryGen =
        from contract in Gen.Choose(0, 5)
        from target in Gen.Elements(Target.Written, Target.Written, Target.Near, Target.At)
        from pick in Gen.Frequency((3, Gen.Choose(0, 11)), (1, Gen.Choose(0, (1 << 30) - 1)))
        from delta in Gen.Elements(-2, -1, 1, 2)
        from flip in Gen.Choose(0, PageStore.PageSize * 8 - 1)
        select new PageQuery(contract, target, pick, delta, flip);

    private static readonly Gen<Scenario> ScenarioGen =
        from contractCount in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Constant(1)), (8, Gen.Choose(2, 6)))
        from contracts in ContractGen.ArrayOf(contractCount)
        from queryCount in Gen.Choose(1, 12)
        from queries in QueryGen.ArrayOf(queryCount)
        from absentCount in Gen.Choose(1, 10)
        from absent in IdSpec.Generator.ArrayOf(absentCount)
        select new Scenario(contracts, queries, absent);

    private static IEnumerable<Scenario> ShrinkScenario(Scenario s) =>
        Shrink.List(s.Contracts, c => Shrink.List(c.Pages, Shrink.Write).Select(pages => c with { Pages = pages }))
            .Select(contracts => s with { Contracts = contracts })
            .Concat(Shrink.List(s.Queries, minCount: 1).Select(queries => s with { Queries = queries }))
            .Concat(Shrink.List(s.Absent, IdSpec.Simpler, minCount: 1).Select(absent => s with { Absent = absent }));

    [Property(MaxTest = 100)]
    public Property Page_proofs_verify_with_the_real_bytes_only_and_absence_proofs_with_absent_ids_only() =>
        Prop.ForAll(Arb.From(ScenarioGen, ShrinkScenario), Check);

    private Property Check(Scenario scenario)
    {
        var (store, index) = shared.Begin();
        var checks = new Checks();
        // Later contracts with an id already taken are left out: a state holds one leaf per id.
        var contracts = scenario.Contracts.DistinctBy(c => c.Id.Id).ToArray();
        var memories = contracts.Select(c => c.Pages.GroupBy(p => p.Index).ToDictionary(g => g.Key, g => g.Last().Content)).ToArray();

        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        for (int i = 0; i < contracts.Length; i++)
        {
            var c = contracts[i];
            int height = PageTree.HeightFor(c.Is64);
            var changes = memories[i].OrderBy(m => m.Key).Select(m => new PageChange(m.Key, staged.AddPage(m.Value.Bytes))).ToArray();
            var tree = index.UpdatePages(PageTree.EmptyRoot(height), height, changes, staged);
            var leaf = new ContractLeaf(c.Id.Id, staged.AddBytecode(c.Bytecode), c.Owner, tree, c.MemoryLength, c.Is64);
            root = index.SetContract(root, leaf, staged);
        }
        store.WriteCommit(root, root == Domain.EmptyState ? null : ObjectRef.Node(root), null, staged);

        int presentPages = 0, zeroPages = 0, deepAbsence = 0, leafTerminals = 0, outside = 0;
        if (contracts.Length > 0)
        {
            foreach (var query in scenario.Queries)
            {
                int c = query.Contract % contracts.Length;
                ulong pageIndex = query.IndexIn(contracts[c]);
                var content = memories[c].GetValueOrDefault(pageIndex, PageContent.Zero);
                if (pageIndex >= PagesIn(contracts[c].MemoryLength))
                {
                    // Pages at or beyond the memory length are refused, written in the tree or not.
                    outside++;
                    var spec = contracts[c];
                    checks.That(Refused(() => index.ProvePage(root, spec.Id.Id, pageIndex)),
                        () => $"ProvePage gives a proof of page {pageIndex} of {spec.Id}, outside its {spec.MemoryLength}-byte memory");
                    continue;
                }
                if (content.IsZero) zeroPages++; else presentPages++;
                CheckPageProof(checks, index, root, contracts[c], pageIndex, content, query);
            }
        }

        var present = contracts.Select(c => c.Id.Id).ToHashSet();
        var candidates = scenario.Absent.Select(a => a.Id)
            .Concat(present.SelectMany(id => new[] { Flip(id, 255), Flip(id, 254), Flip(id, 249) }))
            .Concat(present)
            .Distinct();
        foreach (var id in candidates)
        {
            var proof = index.ProveAbsence(root, id);
            if (present.Contains(id))
            {
                checks.That(proof is null, () => $"ProveAbsence({IdSpec.Describe(id)}) gives a proof for a present contract");
                continue;
            }
            if (proof is null)
            {
                checks.That(false, () => $"ProveAbsence({IdSpec.Describe(id)}) gives no proof for an absent contract");
                continue;
            }
            if (proof.ContractSiblings.Count >= 248) deepAbsence++;
            if (proof.Other is not null) leafTerminals++;
            checks.That(ProofVerifier.VerifyAbsence(proof, root, id), () => $"the absence proof of {IdSpec.Describe(id)} does not verify ({proof.ContractSiblings.Count} siblings, terminal {(proof.Other is null ? "empty" : IdSpec.Describe(proof.Other.Id))})");
            var bytes = proof.ToBytes();
            checks.That(ProofVerifier.VerifyAbsence(bytes, root, id), () => $"the serialized absence proof of {IdSpec.Describe(id)} does not verify");
            checks.That(AbsenceProof.FromBytes(bytes).ToBytes().AsSpan().SequenceEqual(bytes), () => $"the absence proof of {IdSpec.Describe(id)} does not survive a serialization round trip");
            checks.That(index.ProvePage(root, id, 0) is null, () => $"ProvePage gives a proof for absent contract {IdSpec.Describe(id)}");
            foreach (var other in present.Take(3))
                checks.That(!ProofVerifier.VerifyAbsence(proof, root, other), () => $"the absence proof of {IdSpec.Describe(id)} also verifies for present contract {IdSpec.Describe(other)}");
            if (root != Domain.EmptyState)
                checks.That(!ProofVerifier.VerifyAbsence(proof, Domain.EmptyState, id) || proof.ContractSiblings.Count == 0 && proof.Other is null,
                    () => $"the absence proof of {IdSpec.Describe(id)} in this state also verifies against the empty state");
        }
        store.DeleteCommit(root);
        checks.That(store.Commits.Count == 0 && !store.Contains(ObjectRef.Node(root)), () => "the state is still stored after its commit was deleted");
        shared.Finish(checks);

        return checks.ToProperty()
            .Classify(contracts.Any(c => c.Is64) && contracts.Any(c => !c.Is64), "32- and 64-bit contracts")
            .Classify(presentPages > 0 && zeroPages > 0, "present and zero pages proven")
            .Classify(outside > 0, "page outside the memory refused")
            .Classify(deepAbsence > 0, "absence proof 248+ deep")
            .Classify(leafTerminals > 0, "absence proof ending at another leaf");
    }

    private static void CheckPageProof(Checks checks, MerkleIndex index, Hash root, ContractSpec contract, ulong pageIndex, PageContent content, PageQuery query)
    {
        var id = contract.Id.Id;
        string what = $"page {pageIndex} of {contract.Id} ({content})";
        var proof = index.ProvePage(root, id, pageIndex);
        if (proof is null)
        {
            checks.That(false, () => $"ProvePage gives no proof of {what}");
            return;
        }
        checks.That(proof.Contract == id && proof.PageIndex == pageIndex && proof.Is64 == contract.Is64 && proof.MemoryLength == contract.MemoryLength
            && proof.Owner.Span.SequenceEqual(contract.Owner) && proof.Bytecode == Hash.Of(contract.Bytecode),
            () => $"the proof of {what} carries other leaf fields");

        var page = content.Bytes;
        var bytes = proof.ToBytes();
        var parsed = PageProof.FromBytes(bytes);
        checks.That(ProofVerifier.VerifyPage(proof, root, page), () => $"the proof of {what} does not verify");
        checks.That(ProofVerifier.VerifyPage(bytes, root, page), () => $"the serialized proof of {what} does not verify");
        checks.That(ProofVerifier.VerifyPage(parsed, root, page), () => $"the parsed proof of {what} does not verify");
        checks.That(parsed.ToBytes().AsSpan().SequenceEqual(bytes), () => $"the proof of {what} does not survive a serialization round trip");
        checks.That(!ProofVerifier.VerifyPage(proof, Domain.EmptyState, page), () => $"the proof of {what} verifies against the empty state");

        var tampered = (byte[])page.Clone();
        tampered[query.FlipBit / 8] ^= (byte)(1 << (query.FlipBit % 8));
        var others = new (string Name, byte[] Bytes)[]
        {
            ($"bit {query.FlipBit} flipped", tampered),
            (content.IsZero ? "p1" : "zero", content.IsZero ? new PageContent(1).Bytes : PageContent.Zero.Bytes),
            ("another page", new PageContent(content.Seed == 2 ? 3 : 2).Bytes),
        };
        foreach (var (name, other) in others)
        {
            checks.That(!ProofVerifier.VerifyPage(proof, root, other), () => $"the proof of {what} also verifies with {name}");
            checks.That(!ProofVerifier.VerifyPage(bytes, root, other), () => $"the serialized proof of {what} also verifies with {name}");
        }
    }

    private static ulong PagesIn(ulong memoryLength) => memoryLength / PageStore.PageSize + (memoryLength % PageStore.PageSize == 0 ? 0UL : 1UL);

    private static bool Refused(Func<PageProof?> prove)
    {
        try
        {
            prove();
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return true;
        }
    }

    private static ContractId Flip(ContractId id, int bit)
    {
        var bytes = id.ToArray();
        bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        return ContractId.FromBytes(bytes);
    }
}
