using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Merkle;

/// <summary>
/// docs/PROOFS.md against the code: its generated sections (constants and test vectors) are exactly
/// what the code produces, its tags are the code's, and every vector it lists gets its stated verdict
/// from the verifier. Set PIECRUST_UPDATE_SPEC=1 to rewrite the generated sections in place.
/// </summary>
public sealed class ProofSpecTests
{
    private static readonly string SpecPath = Path.Combine(Contracts.Root, "docs", "PROOFS.md");

    private static string Spec => File.ReadAllText(SpecPath).ReplaceLineEndings("\n");

    [Fact]
    public void The_generated_sections_are_what_the_code_produces()
    {
        var spec = Spec;
        var updated = Replace(Replace(spec, ProofVectors.ConstantsBegin, ProofVectors.ConstantsEnd, ProofVectors.RenderConstants()),
            ProofVectors.Begin, ProofVectors.End, ProofVectors.Render());
        if (updated == spec) return;
        if (Environment.GetEnvironmentVariable("PIECRUST_UPDATE_SPEC") == "1")
        {
            File.WriteAllText(SpecPath, updated);
            return;
        }
        string expected = Path.Combine(Path.GetTempPath(), "PROOFS.expected.md");
        File.WriteAllText(expected, updated);
        Assert.Fail($"docs/PROOFS.md's generated sections differ from the code's; the expected document is in {expected} (PIECRUST_UPDATE_SPEC=1 rewrites it).");
    }

    [Fact]
    public void The_tags_in_the_spec_are_the_code_s()
    {
        var spec = Spec;
        foreach (var (tag, value) in new (string, byte)[]
        {
            ("page leaf", Domain.PageLeaf), ("page node", Domain.PageInternal), ("empty contracts", Domain.EmptyContracts),
            ("contract leaf", Domain.ContractLeaf), ("memory root", Domain.MemoryRoot), ("contract node", Domain.ContractInternal),
        })
            Assert.Contains($"| `0x{value:x2}` | {tag} |", spec);
        Assert.Contains($"| 0 | version | `{Proof.FormatVersion}` (this document)", spec);
        foreach (var kind in Enum.GetValues<ProofKind>())
        {
            Assert.Contains($"`{(byte)kind}` {kind.ToString().ToLowerInvariant()} proof", spec);
            Assert.Contains($"| kind | 1 | `{(byte)kind}` |", spec);
        }
    }

    [Fact]
    public void Every_vector_in_the_spec_gets_its_stated_verdict()
    {
        var vectors = ProofVectors.Parse(Spec);
        Assert.True(vectors.Count >= 15, $"only {vectors.Count} vectors in the spec");
        var kinds = new HashSet<(string, string)>();
        foreach (var vector in vectors)
        {
            string expect = vector["expect"];
            kinds.Add((vector["kind"], expect));
            var proof = vector.Bytes("proof");
            var root = Hash.Parse(vector["root"]);
            bool parses;
            try
            {
                Proof.FromBytes(proof);
                parses = true;
            }
            catch (ProofFormatException)
            {
                parses = false;
            }
            bool valid = vector["kind"] switch
            {
                "page" => ProofVerifier.VerifyPage(proof, root, vector.Bytes("page")),
                "absence" => ProofVerifier.VerifyAbsence(proof, root, ContractId.Parse(vector["contract"])),
                "range" => ProofVerifier.VerifyRange(proof, root, vector.Bytes("data")),
                var other => throw new InvalidOperationException($"Vector {vector.Name} has unknown kind {other}."),
            };
            Assert.True(expect == (valid ? "valid" : parses ? "invalid" : "malformed"),
                $"vector {vector.Name}: expected {expect}, the verifier says {(valid ? "valid" : parses ? "invalid" : "malformed")}");
            if (vector.Fields.ContainsKey("page_key"))
            {
                var page = vector.Bytes("page");
                Assert.Equal(PageStore.PageSize, page.Length);
                Assert.Equal(Hash.Parse(vector["page_key"]), Hash.Of(page));
            }
        }
        foreach (var kind in new[] { "page", "absence", "range" })
        {
            Assert.Contains((kind, "valid"), kinds);
            Assert.Contains((kind, "invalid"), kinds);
        }
        Assert.Contains(("page", "malformed"), kinds);
    }

    [Fact]
    public void The_compact_byte_notation_round_trips()
    {
        byte[][] samples = [[], [0], new byte[4096], [.. new byte[7], 1, .. Enumerable.Repeat((byte)0xab, 9), .. Enumerable.Range(0, 200).Select(i => (byte)i)]];
        foreach (var sample in samples)
            Assert.Equal(sample, ProofVectors.Bytes(ProofVectors.Compact(sample)));
        Assert.Equal("00*4096", ProofVectors.Compact(new byte[4096]));
    }

    private static string Replace(string text, string begin, string end, string section)
    {
        int from = text.IndexOf(begin, StringComparison.Ordinal);
        int to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"docs/PROOFS.md lacks the markers {begin} … {end}");
        return text[..from] + section + text[(to + end.Length)..];
    }
}
