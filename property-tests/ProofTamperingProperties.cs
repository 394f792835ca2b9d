using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Piecrust.Merkle;
using Piecrust.PropertyTests.Support;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.PropertyTests;

/// <summary>
/// Real proofs of every kind with a byte flipped, removed or added, checked against the real root,
/// the empty state, the all-zero root and an unrelated root: parsing either succeeds or throws
/// <see cref="ProofFormatException"/> (nothing else), verifying never throws, and whatever verifies
/// states something true (its contracts, leaf fields and bytes are the state's, or its id is absent).
/// </summary>
public sealed class ProofTamperingProperties(SharedStore shared) : IClassFixture<SharedStore>
{
    /// <summary>A contract: id, pointer width, owner length, memory length and written pages (all inside the memory).</summary>
    public sealed record ContractSpec(IdSpec Id, bool Is64, int OwnerLength, ulong MemoryLength, PageWrite[] Pages)
    {
        /// <summary>The contract's owner bytes.</summary>
        public byte[] Owner => Enumerable.Range(0, OwnerLength).Select(i => (byte)(i * 17 + 3)).ToArray();

        /// <inheritdoc/>
        public override string ToString() => $"{Id}{(Is64 ? " (64-bit)" : "")} owner {OwnerLength}B length {MemoryLength} pages {PageWrite.Format(Pages)}";
    }

    /// <summary>How a proof's bytes are changed.</summary>
    public enum Change
    {
        /// <summary>XOR a byte with a non-zero value.</summary>
        Flip,
        /// <summary>Remove a byte.</summary>
        Remove,
        /// <summary>Insert a byte.</summary>
        Insert,
    }

    /// <summary>One change at <see cref="Position"/> (taken modulo the proof's length) with <see cref="Value"/>.</summary>
    public sealed record Mutation(Change Change, int Position, byte Value)
    {
        /// <summary>The changed copy of <paramref name="bytes"/>.</summary>
        public byte[] Apply(byte[] bytes)
        {
            int at = Position % (bytes.Length + (Change == Change.Insert ? 1 : 0));
            return Change switch
            {
                Change.Flip => [.. bytes[..at], (byte)(bytes[at] ^ Value), .. bytes[(at + 1)..]],
                Change.Remove => [.. bytes[..at], .. bytes[(at + 1)..]],
                _ => [.. bytes[..at], Value, .. bytes[at..]],
            };
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Change} @{Position} {Value:x2}";
    }

    /// <summary>What to prove: a page (<see cref="Target"/> picks it), an absence (<see cref="Absent"/>), or ranges of one to three contracts.</summary>
    public sealed record Request(ProofKind Kind, int Target, IdSpec Absent, (int Contract, int Offset, int Length)[] Ranges, Mutation[] Mutations)
    {
        /// <inheritdoc/>
        public override string ToString() => Kind switch
        {
            ProofKind.Page => $"page #{Target}",
            ProofKind.Absence => $"absence of {Absent}",
            _ => $"ranges [{string.Join(", ", Ranges.Select(r => $"c{r.Contract} {r.Offset}+{r.Length}"))}]",
        } + $" mutated [{string.Join(", ", Mutations.AsEnumerable())}]";
    }

    /// <summary>A state and the requests to prove and tamper with.</summary>
    public sealed record Scenario(ContractSpec[] Contracts, Request[] Requests)
    {
        /// <inheritdoc/>
        public override string ToString() => $"contracts [{string.Join("; ", Contracts.AsEnumerable())}], requests [{string.Join("; ", Requests.AsEnumerable())}]";
    }

    private static readonly Gen<ContractSpec> ContractGen =
        from id in IdSpec.Generator
        from is64 in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from owner in Gen.Elements(0, 1, 32)
        from pages in Gen.Elements(1UL, 16UL, 300UL)
        from pageCount in Gen.Choose(0, 8)
        from writes in (from index in Gen.Choose(0, (int)pages - 1) from content in PageGens.Content select new PageWrite((ulong)index, content)).ArrayOf(pageCount)
        select new ContractSpec(id, is64, owner, pages * PageStore.PageSize, writes);

    private static readonly Gen<Mutation> MutationGen =
        from change in Gen.Elements(Change.Flip, Change.Flip, Change.Remove, Change.Insert)
        from position in Gen.Frequency((3, Gen.Choose(0, 200)), (3, Gen.Choose(0, 100_000)))
        from value in Gen.Choose(1, 255)
        select new Mutation(change, position, (byte)value);

    private static readonly Gen<(int, int, int)> RangeGen =
        from contract in Gen.Choose(0, 5)
        from offset in Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(0, 20_000)))
        from length in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 9000)), (1, Gen.Choose(4096, 70_000)))
        select (contract, offset, length);

    private static readonly Gen<Request> RequestGen =
        from kind in Gen.Elements(ProofKind.Page, ProofKind.Absence, ProofKind.Range)
        from target in Gen.Choose(0, 1000)
        from absent in IdSpec.Generator
        from rangeCount in Gen.Choose(1, 3)
        from ranges in RangeGen.ArrayOf(rangeCount)
        from mutationCount in Gen.Choose(1, 8)
        from mutations in MutationGen.ArrayOf(mutationCount)
        select new Request(kind, target, absent, ranges, mutations);

    private static readonly Gen<Scenario> ScenarioGen =
        from contractCount in Gen.Choose(1, 5)
        from contracts in ContractGen.ArrayOf(contractCount)
        from requestCount in Gen.Choose(1, 6)
        from requests in RequestGen.ArrayOf(requestCount)
        select new Scenario(contracts, requests);

    private static IEnumerable<Scenario> ShrinkScenario(Scenario s) =>
        Support.Shrink.List(s.Requests, r => Support.Shrink.List(r.Mutations, minCount: 1).Select(m => r with { Mutations = m }), minCount: 1)
            .Select(requests => s with { Requests = requests })
            .Concat(Support.Shrink.List(s.Contracts, minCount: 1).Select(contracts => s with { Contracts = contracts }));

    [Property(MaxTest = 150)]
    public Property Tampered_proofs_are_rejected_or_state_only_true_things() =>
        Prop.ForAll(Arb.From(ScenarioGen, ShrinkScenario), Check);

    private sealed record Model(Dictionary<ContractId, ContractLeaf> Leaves, Dictionary<ContractId, byte[]> Memories);

    private Property Check(Scenario scenario)
    {
        var (store, index) = shared.Begin();
        var checks = new Checks();
        var contracts = scenario.Contracts.DistinctBy(c => c.Id.Id).ToArray();
        var model = new Model([], []);
        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        foreach (var c in contracts)
        {
            int height = PageTree.HeightFor(c.Is64);
            var memory = new byte[c.MemoryLength];
            foreach (var write in c.Pages) write.Content.Bytes.CopyTo(memory, (int)write.Index * PageStore.PageSize);
            var changes = c.Pages.Select(p => p.Index).Distinct().Order()
                .Select(i => new PageChange(i, staged.AddPage(memory.AsMemory((int)i * PageStore.PageSize, PageStore.PageSize)))).ToArray();
            var tree = index.UpdatePages(PageTree.EmptyRoot(height), height, changes, staged);
            var leaf = new ContractLeaf(c.Id.Id, staged.AddBytecode(c.Owner.Append((byte)1).ToArray()), c.Owner, tree, c.MemoryLength, c.Is64);
            root = index.SetContract(root, leaf, staged);
            model.Leaves[leaf.Id] = leaf;
            model.Memories[leaf.Id] = memory;
        }
        store.WriteCommit(root, ObjectRef.Node(root), null, staged);

        var unrelated = Hash.Of("an unrelated root"u8);
        int mutations = 0, parsed = 0, accepted = 0;
        var kinds = new HashSet<ProofKind>();
        foreach (var request in scenario.Requests)
        {
            var (proof, data) = Prove(index, root, contracts, request);
            if (proof is null) continue;
            kinds.Add(request.Kind);
            checks.That(Verdict(proof, root, data, checks, "the real proof"), () => $"{request}: the real proof does not verify");
            foreach (var mutation in request.Mutations)
            {
                var bytes = mutation.Apply(proof);
                mutations++;
                string what = $"{request}: {mutation}";
                if (Parses(bytes, checks, what)) parsed++;
                foreach (var candidate in new[] { root, Domain.EmptyState, Hash.Zero, unrelated })
                {
                    if (!Verdict(bytes, candidate, data, checks, what)) continue;
                    accepted++;
                    checks.That(candidate == root || candidate == Domain.EmptyState && Proof.ReadKind(bytes) == ProofKind.Absence,
                        () => $"{what}: verifies against {candidate}, whose state it cannot describe");
                    if (candidate == root) CheckTrue(model, bytes, data, checks, what);
                }
            }
        }
        store.DeleteCommit(root);
        shared.Finish(checks);
        return checks.ToProperty()
            .Classify(kinds.Count == 3, "all three kinds")
            .Classify(parsed > 0, "a tampered proof still parsed")
            .Classify(accepted > 0, "a tampered proof stated something true")
            .Label($"{mutations} mutations");
    }

    private static (byte[]? Proof, byte[] Data) Prove(MerkleIndex index, Hash root, ContractSpec[] contracts, Request request)
    {
        switch (request.Kind)
        {
            case ProofKind.Page:
            {
                var c = contracts[request.Target % contracts.Length];
                var written = c.Pages.Select(p => p.Index).Distinct().Order().ToArray();
                ulong page = written.Length > 0 && request.Target % 3 != 0 ? written[request.Target % written.Length] : (ulong)request.Target % (c.MemoryLength / PageStore.PageSize);
                var proof = index.ProvePage(root, c.Id.Id, page)!;
                var bytes = new byte[PageStore.PageSize];
                foreach (var write in c.Pages.Where(w => w.Index == page)) bytes = write.Content.Bytes;
                return (proof.ToBytes(), bytes);
            }
            case ProofKind.Absence:
                return (index.ProveAbsence(root, request.Absent.Id)?.ToBytes(), []);
            default:
            {
                var ranges = request.Ranges
                    .Select(r => (Spec: contracts[r.Contract % contracts.Length], r.Offset, r.Length))
                    .DistinctBy(r => r.Spec.Id.Id)
                    .Select(r =>
                    {
                        ulong offset = Math.Min((ulong)r.Offset, r.Spec.MemoryLength);
                        ulong length = Math.Min((ulong)r.Length, r.Spec.MemoryLength - offset);
                        return length == 0 ? new MemoryRange(r.Spec.Id.Id, 0, 0) : new MemoryRange(r.Spec.Id.Id, offset, length);
                    }).ToArray();
                var proven = index.ProveRange(root, ranges)!;
                return (proven.Proof.ToBytes(), proven.Data.ToArray());
            }
        }
    }

    // Parsing succeeds or throws the typed format exception, nothing else.
    private static bool Parses(byte[] bytes, Checks checks, string what)
    {
        try
        {
            var proof = Proof.FromBytes(bytes);
            checks.That(proof.ToBytes().AsSpan().SequenceEqual(bytes), () => $"{what}: parses but encodes back to other bytes");
            return true;
        }
        catch (ProofFormatException)
        {
            return false;
        }
        catch (Exception e)
        {
            checks.That(false, () => $"{what}: parsing throws {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    // The byte-level verifier of the kind the bytes claim; it must never throw.
    private static bool Verdict(byte[] bytes, Hash root, byte[] data, Checks checks, string what)
    {
        try
        {
            ProofKind kind;
            try
            {
                kind = Proof.ReadKind(bytes);
            }
            catch (ProofFormatException)
            {
                return ProofVerifier.VerifyPage(bytes, root, data) || ProofVerifier.VerifyRange(bytes, root, data);
            }
            return kind switch
            {
                ProofKind.Page => ProofVerifier.VerifyPage(bytes, root, data),
                ProofKind.Absence => ProofVerifier.VerifyAbsence(bytes, root, AbsenceId(bytes)),
                _ => ProofVerifier.VerifyRange(bytes, root, data),
            };
        }
        catch (Exception e)
        {
            checks.That(false, () => $"{what}: verifying throws {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    // The id an absence proof names (its bytes 2..34), or some id when the bytes are too short.
    private static ContractId AbsenceId(byte[] bytes) =>
        bytes.Length >= 34 ? ContractId.FromBytes(bytes.AsSpan(2, 32)) : default;

    private static void CheckTrue(Model model, byte[] bytes, byte[] data, Checks checks, string what)
    {
        switch (Proof.FromBytes(bytes))
        {
            case PageProof page:
            {
                checks.That(model.Leaves.TryGetValue(page.Contract, out var leaf) && SameLeaf(leaf, page.Bytecode, page.Owner, page.MemoryLength, page.Is64),
                    () => $"{what}: a verified page proof states another contract's leaf");
                if (leaf is null) return;
                var memory = model.Memories[page.Contract];
                checks.That(memory.AsSpan((int)page.PageIndex * PageStore.PageSize, PageStore.PageSize).SequenceEqual(data),
                    () => $"{what}: a verified page proof states bytes page {page.PageIndex} does not hold");
                break;
            }
            case AbsenceProof absence:
                checks.That(!model.Leaves.ContainsKey(absence.Contract), () => $"{what}: a verified absence proof says present contract {absence.Contract} is absent");
                break;
            case RangeProof range:
            {
                int at = 0;
                foreach (var entry in range.Entries)
                {
                    bool known = model.Leaves.TryGetValue(entry.Contract, out var leaf) && SameLeaf(leaf, entry.Bytecode, entry.Owner, entry.MemoryLength, entry.Is64);
                    checks.That(known, () => $"{what}: a verified range proof states another leaf for {entry.Contract}");
                    if (!known) return;
                    var memory = model.Memories[entry.Contract].AsSpan((int)entry.Offset, (int)entry.Length);
                    checks.That(memory.SequenceEqual(data.AsSpan(at, (int)entry.Length)),
                        () => $"{what}: a verified range proof states bytes [{entry.Offset}, +{entry.Length}) the memory does not hold");
                    at += (int)entry.Length;
                }
                break;
            }
        }
    }

    private static bool SameLeaf(ContractLeaf leaf, Hash bytecode, ReadOnlyMemory<byte> owner, ulong memoryLength, bool is64) =>
        leaf.Bytecode == bytecode && leaf.Owner.Span.SequenceEqual(owner.Span) && leaf.MemoryLength == memoryLength && leaf.Is64 == is64;
}
