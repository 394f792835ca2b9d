using Piecrust.Merkle;
using Piecrust.Tools;
using Xunit;

namespace Piecrust.Tests.Tools;

public sealed class ProofCommandTests
{
    [Fact]
    public void Prove_writes_the_proof_and_the_page_and_verify_accepts_them_without_a_store()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("proof.bin");
        var prove = cli.Run("prove", root.ToString(), id.ToString(), "16", "-o", proof);
        prove.AssertOk();
        Assert.Contains("self-check  valid", prove.Output);

        var page = File.ReadAllBytes(proof + ".page");
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(page));
        Assert.True(ProofVerifier.VerifyPage(File.ReadAllBytes(proof), root, page));

        // verify opens no store: point --store somewhere that does not exist.
        string nowhere = cli.PathOf("nowhere");
        var verify = Cli.RunRaw("verify", proof, "--root", root.ToString(), "--store", nowhere);
        verify.AssertOk();
        Assert.StartsWith($"valid: page 16 (bytes 0x10000..0x10fff) of contract {id}", verify.Lines[0]);
        Assert.False(Directory.Exists(nowhere));
    }

    [Fact]
    public void Verify_rejects_every_flipped_proof_byte_a_wrong_root_and_a_tampered_page()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("proof.bin");
        cli.Run("prove", root.ToString(), id.ToString(), "0x10", "-o", proof).AssertOk();
        var bytes = File.ReadAllBytes(proof);

        string tampered = cli.PathOf("tampered.bin");
        for (int i = 0; i < bytes.Length; i++)
        {
            var copy = bytes.ToArray();
            copy[i] ^= 0x04;
            File.WriteAllBytes(tampered, copy);
            var result = Cli.RunRaw("verify", tampered, "--root", root.ToString(), "--page", proof + ".page");
            Assert.True(result.Code == ExitCodes.CheckFailed, $"flipping byte {i} was accepted:\n{result.Output}");
            Assert.StartsWith("INVALID", result.Lines[0]);
        }

        var wrongRoot = Cli.RunRaw("verify", proof, "--root", Hash.Of([1]).ToString());
        Assert.Equal(ExitCodes.CheckFailed, wrongRoot.Code);
        Assert.StartsWith("INVALID", wrongRoot.Lines[0]);

        var page = File.ReadAllBytes(proof + ".page");
        page[0] ^= 1;
        File.WriteAllBytes(cli.PathOf("page.bin"), page);
        var wrongPage = Cli.RunRaw("verify", proof, "--root", root.ToString(), "--page", cli.PathOf("page.bin"));
        Assert.Equal(ExitCodes.CheckFailed, wrongPage.Code);

        File.WriteAllBytes(cli.PathOf("short.bin"), page[..100]);
        Assert.Equal(ExitCodes.CheckFailed, Cli.RunRaw("verify", proof, "--root", root.ToString(), "--page", cli.PathOf("short.bin")).Code);
    }

    [Fact]
    public void Verify_reports_bad_input_as_errors()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("p.bin");
        cli.Run("prove", root.ToString(), id.ToString(), "0", "-o", proof).AssertOk();
        File.Delete(proof + ".page");
        Cli.RunRaw("verify", cli.PathOf("missing.bin"), "--root", Hash.Of([1]).ToString()).AssertError("cannot read");
        Cli.RunRaw("verify", proof).AssertError("--root is required");
        Cli.RunRaw("verify", proof, "--root", "1234").AssertError("not a 32-byte hash");
        Cli.RunRaw("verify", proof, "--root", root.ToString()).AssertError("cannot read"); // no p.bin.page
        Cli.RunRaw("verify", proof, "--root", root.ToString(), "--contract", "xyz").AssertError("not a contract id");
    }

    [Fact]
    public void Prove_rejects_unknown_roots_contracts_and_pages()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string output = cli.PathOf("p.bin");
        cli.Run("prove", Hash.Of([1]).ToString(), id.ToString(), "0", "-o", output).AssertError("No commit with root");
        cli.Run("prove", root.ToString(), Hash.Of([1]).ToString(), "0", "-o", output).AssertError("has no contract");
        cli.Run("prove", root.ToString(), id.ToString(), "1048576", "-o", output).AssertError("beyond");
        cli.Run("prove", root.ToString(), id.ToString(), "ten", "-o", output).AssertError("not a non-negative integer");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_page_never_written_is_proven_as_zeros()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("zero.bin");
        cli.Run("prove", root.ToString(), id.ToString(), "3", "-o", proof).AssertOk();
        Assert.All(File.ReadAllBytes(proof + ".page"), b => Assert.Equal(0, b));
        Cli.RunRaw("verify", proof, "--root", root.ToString()).AssertOk();
    }

    [Fact]
    public void Range_and_absence_proofs_go_through_prove_and_verify_which_says_what_was_proven()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string range = cli.PathOf("range.bin");
        var prove = cli.Run("prove", root.ToString(), id.ToString(), "--range", "0xfff8:24", "-o", range);
        prove.AssertOk();
        Assert.Contains("proves      bytes 0xfff8..0x1000f (24 bytes)", prove.Output);
        Assert.Equal(id.ToString(), prove.Field("contract"));
        Assert.Contains("self-check  valid", prove.Output);
        var data = File.ReadAllBytes(range + ".data");
        Assert.Equal(24, data.Length);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(data, 8));

        var verify = Cli.RunRaw("verify", range, "--root", root.ToString(), "--store", cli.PathOf("nowhere"));
        verify.AssertOk();
        Assert.Equal($"valid: 1 range in state {root}", verify.Lines[0]);
        Assert.Equal($"bytes 0xfff8..0x1000f (24 bytes) of contract {id}", verify.Lines[1]);
        Assert.StartsWith("memory 131,072 bytes (32-bit), owner 0102, bytecode ", verify.Lines[2]);

        data[10] ^= 1;
        File.WriteAllBytes(cli.PathOf("tampered.data"), data);
        var tampered = Cli.RunRaw("verify", range, "--root", root.ToString(), "--data", cli.PathOf("tampered.data"));
        Assert.Equal(ExitCodes.CheckFailed, tampered.Code);
        Assert.Equal($"INVALID: the proof and data do not lead to root {root}", tampered.Lines[0]);
        File.WriteAllBytes(cli.PathOf("short.data"), data[..23]);
        var shorter = Cli.RunRaw("verify", range, "--root", root.ToString(), "--data", cli.PathOf("short.data"));
        Assert.Equal(ExitCodes.CheckFailed, shorter.Code);
        Assert.Contains("the data is 23 bytes; the proof's ranges hold 24", shorter.Lines[0]);

        var missing = new ContractId(Hash.Of("missing"u8));
        string absent = cli.PathOf("absent.bin");
        var proveAbsent = cli.Run("prove", root.ToString(), missing.ToString(), "--absent", "-o", absent);
        proveAbsent.AssertOk();
        Assert.Contains($"contract {missing} is absent", proveAbsent.Output);
        var verifyAbsent = Cli.RunRaw("verify", absent, "--root", root.ToString());
        verifyAbsent.AssertOk();
        Assert.Equal($"valid: contract {missing} is absent", verifyAbsent.Lines[0]);
        Assert.Equal($"in state {root}", verifyAbsent.Lines[1]);
        Assert.Equal($"(its path ends at depth 0, at the leaf of contract {id})", verifyAbsent.Lines[2]);
        Cli.RunRaw("verify", absent, "--root", root.ToString(), "--contract", missing.ToString()).AssertOk();
        var other = Cli.RunRaw("verify", absent, "--root", root.ToString(), "--contract", id.ToString());
        Assert.Equal(ExitCodes.CheckFailed, other.Code);
        Assert.Equal($"INVALID: the proof is about contract {missing}, not {id}", other.Lines[0]);
        Assert.Equal(ExitCodes.CheckFailed, Cli.RunRaw("verify", absent, "--root", Hash.Of([1]).ToString()).Code);
    }

    [Fact]
    public void Prove_refuses_ranges_and_pages_outside_the_memory_and_unclear_requests()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string output = cli.PathOf("p.bin");
        string r = root.ToString(), c = id.ToString();
        cli.Run("prove", r, c, "--range", "131000:100", "-o", output).AssertError("beyond the memory length");
        cli.Run("prove", r, c, "32", "-o", output).AssertError("beyond the memory length");
        cli.Run("prove", r, c, "--range", "100", "-o", output).AssertError("not OFFSET:LENGTH");
        cli.Run("prove", r, c, "--range", "1:x", "-o", output).AssertError("--range length");
        cli.Run("prove", r, c, "3", "--range", "0:1", "-o", output).AssertError("exactly one of");
        cli.Run("prove", r, c, "-o", output).AssertError("exactly one of");
        cli.Run("prove", r, c, "--absent", "-o", output).AssertError("it is not absent");
        cli.Run("prove", r, Hash.Of([1]).ToString(), "--range", "0:1", "-o", output).AssertError("has no contract");
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(output + ".data"));
    }

    [Fact]
    public void Verify_says_that_a_page_beyond_the_memory_is_not_provable()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("last.bin");
        cli.Run("prove", root.ToString(), id.ToString(), "31", "-o", proof).AssertOk();
        // The last page's proof moved one page on: page 32 lies past the counter's 131072 bytes.
        var beyond = Merkle.ProofEncoder.Page(PageProof.FromBytes(File.ReadAllBytes(proof)), pageIndex: 32);
        File.WriteAllBytes(cli.PathOf("beyond.bin"), beyond);
        File.WriteAllBytes(cli.PathOf("beyond.bin.page"), new byte[4096]);
        var result = Cli.RunRaw("verify", cli.PathOf("beyond.bin"), "--root", root.ToString());
        Assert.Equal(ExitCodes.CheckFailed, result.Code);
        Assert.StartsWith("INVALID: the proof is malformed (Page 32 (bytes from 0x20000) lies at or beyond the memory length 131072", result.Lines[0]);
    }
}
