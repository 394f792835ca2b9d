using System.ComponentModel;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>
/// <c>piecrust verify</c>: checks a page proof against a root with <see cref="ProofVerifier"/> only
/// (no store is opened). Exit 0 and "valid", or exit 2 and "INVALID".
/// </summary>
public sealed class VerifyCommand(IAnsiConsole console) : StoreCommand<VerifyCommand.Settings>(console)
{
    /// <summary>Options of <c>verify</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The proof file.</summary>
        [CommandArgument(0, "<proof>")]
        [Description("Proof file written by 'prove'")]
        public string Proof { get; init; } = "";

        /// <summary>The state root the proof must lead to.</summary>
        [CommandOption("--root <ROOT>")]
        [Description("State root to verify against (required)")]
        public string? Root { get; init; }

        /// <summary>The page bytes the proof must be for.</summary>
        [CommandOption("--page <FILE>")]
        [Description("Page bytes (4096); default PROOF.page")]
        public string? Page { get; init; }
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
        var proofBytes = InputFile.Read(settings.Proof, "proof", MaxProofFile, "no proof is nearly that large");
        var page = InputFile.Read(settings.Page ?? settings.Proof + ProveCommand.PageSuffix, "--page", Storage.PageStore.PageSize,
            $"a page is {Storage.PageStore.PageSize} bytes");

        PageProof proof;
        try
        {
            proof = PageProof.FromBytes(proofBytes);
        }
        catch (ProofFormatException e)
        {
            Console.MarkupLineInterpolated($"[red]INVALID[/]: the proof is malformed ({e.Message})");
            return ExitCodes.CheckFailed;
        }
        if (page.Length != Storage.PageStore.PageSize)
        {
            Console.MarkupLineInterpolated($"[red]INVALID[/]: the page is {page.Length} bytes; a page is {Storage.PageStore.PageSize}");
            return ExitCodes.CheckFailed;
        }
        if (!ProofVerifier.VerifyPage(proof, root, page))
        {
            Console.MarkupLineInterpolated($"[red]INVALID[/]: the proof and page do not lead to root {root}");
            Console.MarkupLineInterpolated($"  (the proof claims page {proof.PageIndex} of contract {proof.Contract})");
            return ExitCodes.CheckFailed;
        }
        Console.MarkupLineInterpolated($"[green]valid[/]: page {proof.PageIndex} of contract {proof.Contract}");
        Console.MarkupLineInterpolated($"  in state {root}");
        Console.MarkupLineInterpolated($"  memory {proof.MemoryLength} bytes ({(proof.Is64 ? "64" : "32")}-bit), bytecode {proof.Bytecode}");
        return ExitCodes.Ok;
    }
}
