using System.ComponentModel;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>
/// <c>piecrust verify</c>: checks a proof of any kind (page, absence, range) against a root with
/// <see cref="ProofVerifier"/> only (no store is opened), and says what it proves. Exit 0 and "valid",
/// or exit 2 and "INVALID" with the reason.
/// </summary>
public sealed class VerifyCommand(IAnsiConsole console) : StoreCommand<VerifyCommand.Settings>(console)
{
    /// <summary>Options of <c>verify</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The proof file.</summary>
        [CommandArgument(0, "<proof>")]
        [Description("Proof file written by 'prove' (page, range or absence proof)")]
        public string Proof { get; init; } = "";

        /// <summary>The state root the proof must lead to.</summary>
        [CommandOption("--root <ROOT>")]
        [Description("State root to verify against (required)")]
        public string? Root { get; init; }

        /// <summary>The page bytes a page proof must be for.</summary>
        [CommandOption("--page <FILE>")]
        [Description("Page proof: the page bytes (4096); default PROOF.page")]
        public string? Page { get; init; }

        /// <summary>The bytes a range proof must be for.</summary>
        [CommandOption("--data <FILE>")]
        [Description("Range proof: the range's bytes; default PROOF.data")]
        public string? Data { get; init; }

        /// <summary>The contract an absence proof must be about.</summary>
        [CommandOption("--contract <ID>")]
        [Description("Absence proof: the contract it must prove absent (default: the one it names)")]
        public string? Contract { get; init; }
    }

    /// <summary>
    /// The largest proof file <c>verify</c> reads: 16 MiB. A page proof is at most about 76 KiB (an
    /// owner of up to 64 KiB and two full sibling paths of 32-byte hashes); the rest leaves room for
    /// proofs of many pages at once without reading an unbounded file.
    /// </summary>
    public const int MaxProofFile = 16 << 20;

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root ?? throw new UsageException("--root is required: the state root to verify against."), "--root");
        ContractId? expected = settings.Contract is null ? null : Input.Contract(settings.Contract);
        var proofBytes = InputFile.Read(settings.Proof, "proof", MaxProofFile, "no proof is nearly that large");

        Proof proof;
        try
        {
            proof = Merkle.Proof.FromBytes(proofBytes);
        }
        catch (ProofFormatException e)
        {
            return Invalid($"the proof is malformed ({e.Message})");
        }
        return proof switch
        {
            PageProof page => VerifyPage(page, root, InputFile.Read(settings.Page ?? settings.Proof + ProveCommand.PageSuffix, "--page",
                Storage.PageStore.PageSize, $"a page is {Storage.PageStore.PageSize} bytes")),
            RangeProof range => VerifyRange(range, root, InputFile.Read(settings.Data ?? settings.Proof + ProveCommand.DataSuffix, "--data",
                checked((int)Merkle.MerkleIndex.MaxRangeBytes), "no range proof covers more bytes")),
            AbsenceProof absence => VerifyAbsence(absence, root, expected),
            _ => throw new InvalidOperationException($"Unhandled proof kind {proof.Kind}."),
        };
    }

    private int VerifyPage(PageProof proof, Hash root, byte[] page)
    {
        if (page.Length != Storage.PageStore.PageSize)
            return Invalid($"the page is {page.Length} bytes; a page is {Storage.PageStore.PageSize}");
        if (!ProofVerifier.VerifyPage(proof, root, page))
            return Invalid($"the proof and page do not lead to root {root}", $"the proof claims {ProofWords.PageOnly(proof)}", $"of contract {proof.Contract}");
        Console.MarkupLineInterpolated($"[green]valid[/]: {ProofWords.Page(proof)}");
        Console.MarkupLineInterpolated($"  in state {root}");
        Console.MarkupLineInterpolated($"  {ProofWords.Leaf(proof.MemoryLength, proof.Is64, proof.Bytecode, proof.Owner.Span)}");
        return ExitCodes.Ok;
    }

    private int VerifyRange(RangeProof proof, Hash root, byte[] data)
    {
        if ((ulong)data.Length != proof.DataLength)
            return Invalid($"the data is {data.Length} bytes; the proof's ranges hold {proof.DataLength}");
        if (!ProofVerifier.VerifyRange(proof, root, data))
            return Invalid($"the proof and data do not lead to root {root}",
                [.. proof.Entries.SelectMany(e => new[] { $"the proof claims {ProofWords.RangeOnly(e)}", $"of contract {e.Contract}" })]);
        string ranges = proof.Entries.Count == 1 ? "1 range" : $"{proof.Entries.Count} ranges";
        Console.MarkupLineInterpolated($"[green]valid[/]: {ranges} in state {root}");
        foreach (var entry in proof.Entries)
        {
            Console.MarkupLineInterpolated($"  {ProofWords.Range(entry)}");
            Console.MarkupLineInterpolated($"    {ProofWords.Leaf(entry.MemoryLength, entry.Is64, entry.Bytecode, entry.Owner.Span)}");
        }
        return ExitCodes.Ok;
    }

    private int VerifyAbsence(AbsenceProof proof, Hash root, ContractId? expected)
    {
        if (expected is { } id && id != proof.Contract)
            return Invalid($"the proof is about contract {proof.Contract}, not {id}");
        if (!ProofVerifier.VerifyAbsence(proof, root, proof.Contract))
            return Invalid($"the proof does not lead to root {root}", $"the proof claims {ProofWords.Absence(proof)}");
        Console.MarkupLineInterpolated($"[green]valid[/]: {ProofWords.Absence(proof)}");
        Console.MarkupLineInterpolated($"  in state {root}");
        Console.MarkupLineInterpolated($"  ({ProofWords.AbsencePath(proof)})");
        return ExitCodes.Ok;
    }

    private int Invalid(string reason, params string[] details)
    {
        Console.MarkupLineInterpolated($"[red]INVALID[/]: {reason}");
        foreach (var detail in details) Console.MarkupLineInterpolated($"  {detail}");
        return ExitCodes.CheckFailed;
    }
}
