using System.Diagnostics;
using System.Text.Json;
using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Piecrust.Tests.Merkle;
using Piecrust.Tests.Storage;
using Xunit;

namespace Piecrust.Tests.Clients;

/// <summary>
/// The JavaScript verifier (clients/js, written from docs/PROOFS.md) against this one: a corpus of
/// proofs of every kind made by the C# prover, with tampered, truncated, extended, re-encoded and
/// forged variants, goes to a folder with a manifest; Node verifies every case and both verifiers
/// must reach the same verdict (valid, invalid or malformed) on each, and the expected one.
/// Needs <c>node</c> on the PATH (no npm install: the verifier's BLAKE3 is vendored).
/// </summary>
public sealed class JsVerifierTests : IDisposable
{
    private readonly string _folder = StoreFixture.TempDirectory();
    private readonly List<Case> _cases = [];
    private readonly Dictionary<string, (byte[] Proof, byte[]? Page, byte[]? Data, ContractId? Contract, Hash Root)> _inputs = [];

    private sealed record Case(string Name, string Proof, string Root, string? Page, string? Data, string? Contract, string Expect);

    public JsVerifierTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public void Both_verifiers_agree_on_every_case_of_every_kind()
    {
        using var store = MerkleIndex.EphemeralStore();
        var (index, root, leaves) = BuildState(store);
        var big = leaves[0];

        // Valid proofs of every kind, each with its tampered variants.
        foreach (var (leaf, page) in new[] { (big, 0UL), (big, 37UL), (big, 255UL), (leaves[1], 3UL), (leaves[3], 200UL), (leaves[5], 15UL) })
        {
            var proof = index.ProvePage(root, leaf.Id, page)!;
            var bytes = ReadPage(store, index, leaf, page);
            Family($"page-{Short(leaf.Id)}-{page}", proof.ToBytes(), root, page: bytes);
            Add($"page-{Short(leaf.Id)}-{page}-explicit-empty", EncodeWithExplicitEmpty(proof), root, "malformed", page: bytes);
        }
        var absentIds = Enumerable.Range(0, 40).Select(i => new ContractId(Hash.Of(BitConverter.GetBytes(i + 5000))))
            .Concat([Flip(leaves[6].Id, 254), Flip(leaves[6].Id, 130), Flip(leaves[2].Id, 9)]).ToArray();
        int absences = 0;
        foreach (var id in absentIds)
        {
            var proof = index.ProveAbsence(root, id)!;
            if (absences++ > 6 && proof.ContractSiblings.Count < 100) continue; // a few shallow ones, all deep ones
            Family($"absence-{Short(id)}", proof.ToBytes(), root, contract: id);
            if (proof.ContractSiblings.Any(s => s == Domain.EmptyState))
            {
                int empty = proof.ContractSiblings.ToList().IndexOf(Domain.EmptyState);
                Add($"absence-{Short(id)}-explicit-empty", ProofEncoder.Absence(proof, writeOut: empty), root, "malformed", contract: id);
            }
        }
        Add("absence-of-a-present-contract", index.ProveAbsence(root, Flip(leaves[6].Id, 254))!.ToBytes(), root, "invalid", contract: leaves[6].Id);

        var ranges = new (string Name, MemoryRange[] Ranges)[]
        {
            ("range-1-page", [new(big.Id, 4096 * 10, 4096)]),
            ("range-2-pages", [new(big.Id, 4096 * 11, 8192)]),
            ("range-16-pages", [new(big.Id, 4096 * 16, 16 * 4096)]),
            ("range-256-pages", [new(big.Id, 0, 256 * 4096)]),
            ("range-unaligned", [new(big.Id, 4000, 10_000)]),
            ("range-one-byte", [new(leaves[3].Id, 200 * 4096 + 17, 1)]),
            ("range-leaf-only", [new(leaves[4].Id, 0, 0)]),
            ("range-three-contracts", [new(big.Id, 100, 5000), new(leaves[6].Id, 0, 65536), new(Flip(leaves[6].Id, 255), 10, 10)]),
            ("range-every-contract", leaves.Select(l => new MemoryRange(l.Id, 0, Math.Min(l.MemoryLength, 5000))).ToArray()),
        };
        foreach (var (name, asked) in ranges)
        {
            var proven = index.ProveRange(root, asked)!;
            Family(name, proven.Proof.ToBytes(), root, data: proven.Data.ToArray());
            // The first page sibling that is an empty subtree, written out: the encoding grows by its 32 bytes.
            int canonical = proven.Proof.ToBytes().Length;
            int writeOut = Enumerable.Range(0, proven.Proof.Entries[0].PageSiblings.Count)
                .FirstOrDefault(i => ProofEncoder.Range(proven.Proof, writeOut: (0, i)).Length != canonical, -1);
            if (writeOut >= 0) Add($"{name}-explicit-empty", ProofEncoder.Range(proven.Proof, writeOut: (0, writeOut)), root, "malformed", data: proven.Data.ToArray());
        }

        // Forgeries no prover makes.
        var sample = index.ProvePage(root, leaves[5].Id, 15)!;
        Add("forged-overlong-path-zero-root", ProofEncoder.Page(sample, contractSiblings: Enumerable.Repeat(Hash.Of([7]), 257).ToArray()), Hash.Zero, "malformed", page: new byte[4096]);
        Add("forged-page-beyond-memory", ProofEncoder.Page(sample, pageIndex: 16), root, "malformed", page: new byte[4096]);
        Add("forged-version-1", [1, .. sample.ToBytes()[1..]], root, "malformed", page: new byte[4096]);
        Add("forged-empty", [], root, "malformed", page: new byte[4096]);
        Add("forged-kind-4", [2, 4, .. sample.ToBytes()[2..]], root, "malformed", page: new byte[4096]);
        int flagAt = 2 + 32 + 32 + 2 + sample.Owner.Length + 8;
        Add("forged-is64-flag-2", Patch(sample.ToBytes(), flagAt, 2), root, "malformed", page: new byte[4096]);
        Add("forged-bitmap-padding", Patch(sample.ToBytes(), flagAt + 1 + 8 + 2, (byte)(sample.ToBytes()[flagAt + 1 + 8 + 2] | 0x80)), root, "malformed", page: new byte[4096]);
        Add("forged-page-outside-tree", ProofEncoder.Page(sample, pageIndex: 1UL << 20, memoryLength: ulong.MaxValue), root, "malformed", page: new byte[4096]);
        var two = index.ProveRange(root, [new MemoryRange(big.Id, 0, 100), new MemoryRange(leaves[4].Id, 0, 0)])!;
        Add("forged-range-unsorted", ProofEncoder.Range(two.Proof, order: [1, 0]), root, "malformed", data: two.Data.ToArray());
        Add("forged-range-repeated", ProofEncoder.Range(two.Proof, order: [0, 0]), root, "malformed", data: two.Data.ToArray());
        Add("forged-range-depth", ProofEncoder.Range(two.Proof, depthOf: _ => 0), root, "malformed", data: two.Data.ToArray());
        int offsetAt = 2 + 2 + 32 + 32 + 2 + two.Proof.Entries[0].Owner.Length + 8 + 1;
        Add("forged-range-beyond-memory", Patch(two.Proof.ToBytes(), offsetAt + 2, 0x10), root, "malformed", data: two.Data.ToArray());
        var leafOnly = index.ProveRange(root, [new MemoryRange(leaves[4].Id, 0, 0)])!.Proof.ToBytes();
        Add("forged-empty-range-with-offset", Patch(leafOnly, 2 + 2 + 32 + 32 + 2 + leaves[4].Owner.Length + 8 + 1, 5), root, "malformed", data: []);
        var leafTerminal = absentIds.Select(id => index.ProveAbsence(root, id)!).First(a => a.Other is not null);
        var self = leafTerminal.ToBytes();
        leafTerminal.Contract.CopyTo(self.AsSpan(self.Length - 128));
        Add("forged-absence-terminal-is-the-id", self, root, "malformed", contract: leafTerminal.Contract);
        var offPath = leafTerminal.ToBytes();
        offPath[^128] ^= 0x80;
        Add("forged-absence-terminal-off-the-path", offPath, root, leafTerminal.ContractSiblings.Count > 0 ? "malformed" : "invalid", contract: leafTerminal.Contract);

        var js = RunNode();
        var csharp = _inputs.ToDictionary(i => i.Key, i => Verdict(i.Value.Proof, i.Value.Root, i.Value.Page, i.Value.Data, i.Value.Contract));
        var disagreements = _cases.Where(c => js.GetValueOrDefault(c.Name) != csharp[c.Name])
            .Select(c => $"{c.Name}: C# {csharp[c.Name]}, JavaScript {js.GetValueOrDefault(c.Name) ?? "(none)"}").ToArray();
        Assert.True(disagreements.Length == 0, $"{disagreements.Length} of {_cases.Count} cases differ:\n{string.Join("\n", disagreements.Take(20))}");
        var unexpected = _cases.Where(c => !Matches(c.Expect, csharp[c.Name])).Select(c => $"{c.Name}: expected {c.Expect}, got {csharp[c.Name]}").ToArray();
        Assert.True(unexpected.Length == 0, $"{unexpected.Length} cases have another verdict than expected:\n{string.Join("\n", unexpected.Take(20))}");

        var verdicts = csharp.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(_cases.Count > 300 && verdicts.Keys.Count == 3, $"{_cases.Count} cases: {string.Join(", ", verdicts.Select(v => $"{v.Value} {v.Key}"))}");
    }

    private static bool Matches(string expect, string verdict) => expect == "not-valid" ? verdict != "valid" : expect == verdict;

    // A valid proof, then variants: bytes flipped, removed and added at spread positions, truncated, extended,
    // another root, and a changed page or data byte.
    private void Family(string name, byte[] proof, Hash root, byte[]? page = null, byte[]? data = null, ContractId? contract = null)
    {
        Add(name, proof, root, "valid", page, data, contract);
        int step = Math.Max(1, proof.Length / 24);
        for (int at = 0; at < proof.Length; at += step)
        {
            Add($"{name}-flip-{at}", [.. proof[..at], (byte)(proof[at] ^ (at % 2 == 0 ? 0x01 : 0x80)), .. proof[(at + 1)..]], root, "not-valid", page, data, contract);
            Add($"{name}-remove-{at}", [.. proof[..at], .. proof[(at + 1)..]], root, "not-valid", page, data, contract);
            Add($"{name}-insert-{at}", [.. proof[..at], 0x5a, .. proof[at..]], root, "not-valid", page, data, contract);
        }
        Add($"{name}-truncated", proof[..^1], root, "malformed", page, data, contract);
        Add($"{name}-extended", [.. proof, 0], root, "malformed", page, data, contract);
        Add($"{name}-empty-state-root", proof, Domain.EmptyState, "invalid", page, data, contract);
        Add($"{name}-zero-root", proof, Hash.Zero, "invalid", page, data, contract);
        if (page is not null) Add($"{name}-changed-page", proof, root, "invalid", [.. page[..^1], (byte)(page[^1] ^ 1)], data, contract);
        if (data is { Length: > 0 }) Add($"{name}-changed-data", proof, root, "invalid", page, [(byte)(data[0] ^ 1), .. data[1..]], contract);
        if (data is { Length: > 0 }) Add($"{name}-short-data", proof, root, "invalid", page, data[..^1], contract);
    }

    private void Add(string name, byte[] proof, Hash root, string expect, byte[]? page = null, byte[]? data = null, ContractId? contract = null)
    {
        string File(string suffix, byte[]? bytes)
        {
            if (bytes is null) return null!;
            string file = $"{_cases.Count:D5}.{suffix}";
            System.IO.File.WriteAllBytes(Path.Combine(_folder, file), bytes);
            return file;
        }
        _cases.Add(new Case(name, File("proof", proof), root.ToString(), page is null ? null : File("page", page),
            data is null ? null : File("data", data), contract?.ToString(), expect));
        _inputs[name] = (proof, page, data, contract, root);
    }

    // The C# verdict, dispatched on the kind the bytes claim, as the JavaScript verify() does.
    private static string Verdict(byte[] bytes, Hash root, byte[]? page, byte[]? data, ContractId? contract)
    {
        Proof proof;
        try
        {
            proof = Proof.FromBytes(bytes);
        }
        catch (ProofFormatException)
        {
            return "malformed";
        }
        bool valid = proof switch
        {
            PageProof p => ProofVerifier.VerifyPage(p, root, page ?? []),
            AbsenceProof a => ProofVerifier.VerifyAbsence(a, root, contract ?? a.Contract),
            RangeProof r => ProofVerifier.VerifyRange(r, root, data ?? []),
            _ => false,
        };
        return valid ? "valid" : "invalid";
    }

    private Dictionary<string, string> RunNode()
    {
        var manifest = JsonSerializer.Serialize(new
        {
            cases = _cases.Select(c => new { name = c.Name, proof = c.Proof, root = c.Root, page = c.Page, data = c.Data, contract = c.Contract, expect = c.Expect }),
        });
        File.WriteAllText(Path.Combine(_folder, "manifest.json"), manifest);
        string script = Path.Combine(Contracts.Root, "clients", "js", "test", "corpus.js");
        var start = new ProcessStartInfo("node", [script, _folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The JavaScript verifier needs Node.js ('node' on the PATH).", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "node did not finish");
            Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {error.Result}");
            return JsonSerializer.Deserialize<Dictionary<string, string>>(output.Result)!;
        }
    }

    private static (MerkleIndex Index, Hash Root, ContractLeaf[] Leaves) BuildState(PageStore store)
    {
        var index = new MerkleIndex(store);
        var staged = new StagedObjects();
        var root = Domain.EmptyState;
        var leaves = new List<ContractLeaf>();
        var ids = Enumerable.Range(0, 7).Select(i => new ContractId(Hash.Of(BitConverter.GetBytes(i)))).ToList();
        ids.Add(Flip(ids[6], 255)); // shares 255 bits with contract 6: leaves at depth 256
        ids.Add(Flip(ids[6], 128));
        for (int c = 0; c < ids.Count; c++)
        {
            bool is64 = c == 3;
            ulong length = c == 0 ? 1 << 20 : c == 3 ? 1UL << 21 : 65536;
            int height = PageTree.HeightFor(is64);
            var random = new Random(c);
            var changes = new List<PageChange>();
            for (ulong p = 0; p < length / 4096; p++)
            {
                if (c == 0 ? p % 5 == 4 : p % 7 != (ulong)c % 7) continue;
                var page = new byte[4096];
                random.NextBytes(page.AsSpan(0, c == 0 ? 4096 : 64));
                changes.Add(new PageChange(p, staged.AddPage(page)));
            }
            var tree = index.UpdatePages(PageTree.EmptyRoot(height), height, changes.ToArray(), staged);
            var bytecode = staged.AddBytecode(BitConverter.GetBytes(c));
            var leaf = new ContractLeaf(ids[c], bytecode, Enumerable.Repeat((byte)c, c * 5).ToArray(), tree, length, is64);
            leaves.Add(leaf);
            root = index.SetContract(root, leaf, staged);
        }
        store.WriteCommit(root, ObjectRef.Node(root), null, staged);
        return (index, root, leaves.ToArray());
    }

    private static byte[] ReadPage(PageStore store, MerkleIndex index, ContractLeaf leaf, ulong page)
    {
        var bytes = new byte[4096];
        store.ReadPage(index.PageKey(leaf.PageTreeRoot, leaf.Height, page), bytes);
        return bytes;
    }

    private static byte[] EncodeWithExplicitEmpty(PageProof proof)
    {
        int empty = Enumerable.Range(0, proof.PageSiblings.Count).First(i => proof.PageSiblings[i] == PageTree.EmptyRoot(i));
        return ProofEncoder.Page(proof, writeOutPage: empty);
    }

    private static byte[] Patch(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    private static ContractId Flip(ContractId id, int bit)
    {
        var bytes = id.ToArray();
        bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        return ContractId.FromBytes(bytes);
    }

    private static string Short(ContractId id) => id.ToString()[..8];
}
