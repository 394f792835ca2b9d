using System.ComponentModel;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>
/// <c>piecrust prove</c>: writes the proof of one page of a contract's memory to FILE
/// (<see cref="PageProof.ToBytes"/>) and the page's 4096 bytes to FILE.page.
/// </summary>
public sealed class ProveCommand(IAnsiConsole console) : StoreCommand<ProveCommand.Settings>(console)
{
    /// <summary>The suffix of the page file written next to the proof.</summary>
    public const string PageSuffix = ".page";

    /// <summary>Options of <c>prove</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The state root.</summary>
        [CommandArgument(0, "<root>")]
        [Description("Commit root (64 hex digits)")]
        public string Root { get; init; } = "";

        /// <summary>The contract id.</summary>
        [CommandArgument(1, "<contract>")]
        [Description("Contract id (64 hex digits)")]
        public string Contract { get; init; } = "";

        /// <summary>The page index.</summary>
        [CommandArgument(2, "<page>")]
        [Description("Page index: byte offset / 4096 (decimal or 0x hex)")]
        public string Page { get; init; } = "";

        /// <summary>Where the proof goes.</summary>
        [CommandOption("-o|--output <FILE>")]
        [Description("Proof file (default proof.bin); the page goes to FILE.page")]
        public string Output { get; init; } = "proof.bin";
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        var contract = Input.Contract(settings.Contract);
        ulong page = Input.Number(settings.Page, "page");
        using var vm = OpenExisting(settings);
        byte[] bytes;
        PageProof proved;
        try
        {
            bytes = vm.ReadPage(root, contract, page); // first: it rejects a page beyond the address space
            proved = vm.ProvePage(root, contract, page);
        }
        catch (ContractNotFoundException)
        {
            throw new UsageException($"Commit {root} has no contract {contract}.");
        }
        var proof = proved.ToBytes();
        File.WriteAllBytes(settings.Output, proof);
        File.WriteAllBytes(settings.Output + PageSuffix, bytes);

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("proof", $"{settings.Output} ({proof.Length} bytes)");
        grid.AddRow("page", $"{settings.Output + PageSuffix} (page {page}, bytes 0x{page * 4096:x}..0x{(page + 1) * 4096 - 1:x}; starts {Format.Hex(bytes.AsSpan(0, 16))})");
        grid.AddRow("contract", contract.ToString());
        grid.AddRow("root", root.ToString());
        grid.AddRow("self-check", ProofVerifier.VerifyPage(proved, root, bytes) ? "[green]valid[/]" : "[red]INVALID[/]");
        Console.Write(grid);
        return ExitCodes.Ok;
    }
}
