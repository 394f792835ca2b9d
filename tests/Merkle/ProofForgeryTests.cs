using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Merkle;

/// <summary>Proofs no honest prover makes: overlong paths, out-of-range indices, non-canonical encodings.</summary>
public sealed class ProofForgeryTests
{
    private static readonly ContractId Someone = new(Hash.Of("someone"u8));

    [Fact]
    public void An_overlong_contract_path_never_verifies_not_even_against_the_all_zero_root()
    {
        var pageSiblings = Enumerable.Range(0, PageTree.Height32).Select(PageTree.EmptyRoot).ToArray();
        var overlong = Enumerable.Repeat(Hash.Of([7]), ContractId.Size * 8 + 1).ToArray();
        bool verified;
        try
        {
            var proof = new PageProof(Someone, Hash.Of([1]), new byte[] { 1 }, 65536, false, 0, pageSiblings, overlong);
            verified = ProofVerifier.VerifyPage(proof, Hash.Zero, new byte[PageStore.PageSize]);
        }
        catch (ArgumentException)
        {
            verified = false; // refused at construction: as good as not verifying
        }
        Assert.False(verified, "a 257-step contract path verified against the all-zero root");
    }
}
