using System.Text.Json;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Bench.Storage;

/// <summary>
/// <c>dotnet run -c Release --project bench/Bench.csproj -- --write-proofs DIR</c>: writes the proofs
/// the C# proof benches verify (of <see cref="ProofState"/>: a page proof, and range proofs of 1, 2,
/// 16 and 256 pages with the page proofs they replace), their pages and data, and for each the
/// inputs a verifier hashes (<see cref="VerifierWork"/>), for clients/js/bench.js to time the
/// JavaScript verifier against the same baseline.
/// </summary>
public static class ProofFiles
{
    /// <summary>Writes the files and a manifest.json into <paramref name="directory"/>.</summary>
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var (store, state) = ProofState.OpenOrBuild(Console.WriteLine);
        var cases = new List<object>();
        using (store)
        {
            var index = new MerkleIndex(store);
            ulong first = ProofBench.ProvenPage;
            var page = index.ProvePage(state.Root, state.Big, first)!;
            cases.Add(Case(directory, "page", page.ToBytes(), ProofState.Page(first), "page", VerifierWork.Of(page), []));
            foreach (int pages in new[] { 1, 2, 16, 256 })
            {
                var proven = index.ProveRange(state.Root, [new MemoryRange(state.Big, first * PageStore.PageSize, (ulong)pages * PageStore.PageSize)])!;
                var singles = Enumerable.Range(0, pages).Select(p => index.ProvePage(state.Root, state.Big, first + (ulong)p)!.ToBytes()).ToArray();
                for (int p = 0; p < pages; p++)
                {
                    File.WriteAllBytes(Path.Combine(directory, $"range-{pages}.single-{p}.proof"), singles[p]);
                    File.WriteAllBytes(Path.Combine(directory, $"range-{pages}.single-{p}.page"), ProofState.Page(first + (ulong)p));
                }
                cases.Add(Case(directory, $"range-{pages}", proven.Proof.ToBytes(), proven.Data.ToArray(), "data", VerifierWork.Of(proven.Proof),
                    Enumerable.Range(0, pages).Select(p => $"range-{pages}.single-{p}").ToArray()));
            }
        }
        File.WriteAllText(Path.Combine(directory, "manifest.json"),
            JsonSerializer.Serialize(new { root = state.Root.ToString(), cases }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {cases.Count} proofs to {directory}");
    }

    private static object Case(string directory, string name, byte[] proof, byte[] claim, string claimKind, SortedDictionary<int, int> work, string[] singles)
    {
        File.WriteAllBytes(Path.Combine(directory, name + ".proof"), proof);
        File.WriteAllBytes(Path.Combine(directory, $"{name}.{claimKind}"), claim);
        return new
        {
            name,
            kind = claimKind == "page" ? "page" : "range",
            proof = name + ".proof",
            claim = $"{name}.{claimKind}",
            proofBytes = proof.Length,
            work = work.Select(w => new { size = w.Key, count = w.Value }),
            singles,
        };
    }
}
