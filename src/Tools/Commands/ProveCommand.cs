using System.ComponentModel;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>
/// <c>piecrust prove</c>: writes a proof about commit ROOT to FILE. With a page index, a page proof and
/// the page's 4096 bytes in FILE.page; with <c>--range OFFSET:LENGTH</c>, a range proof and the range's
/// bytes in FILE.data; with <c>--absent</c>, a proof that the contract does not exist.
/// </summary>
public sealed class ProveCommand(IAnsiConsole console) : StoreCommand<ProveCommand.Settings>(console)
{
    /// <summary>The suffix of the page file written next to a page proof.</summary>
    public const string PageSuffix = ".page";

    /// <summary>The suffix of the data file written next to a range proof.</summary>
    public const string DataSuffix = ".data";

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

        /// <summary>The page index, for a page proof.</summary>
        [CommandArgument(2, "[page]")]
        [Description("Page index: byte offset / 4096 (decimal or 0x hex), for a page proof")]
        public string? Page { get; init; }

        /// <summary>The byte range, for a range proof.</summary>
        [CommandOption("--range <OFFSET:LENGTH>")]
        [Description("Prove bytes [OFFSET, OFFSET+LENGTH) of the memory (decimal or 0x hex); the bytes go to FILE.data")]
        public string? Range { get; init; }

        /// <summary>Prove that the contract is absent.</summary>
        [CommandOption("--absent")]
        [Description("Prove that the contract does not exist in the commit")]
        public bool Absent { get; init; }

        /// <summary>Where the proof goes.</summary>
        [CommandOption("-o|--output <FILE>")]
        [Description("Proof file (default proof.bin); the page goes to FILE.page, range bytes to FILE.data")]
        public string Output { get; init; } = "proof.bin";
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        var contract = Input.Contract(settings.Contract);
        int modes = (settings.Page is null ? 0 : 1) + (settings.Range is null ? 0 : 1) + (settings.Absent ? 1 : 0);
        if (modes != 1)
            throw new UsageException("Give exactly one of: a page index, --range OFFSET:LENGTH, or --absent.");
        var (offset, length) = settings.Range is null ? (0UL, 0UL) : ParseRange(settings.Range);
        ulong page = settings.Page is null ? 0 : Input.Number(settings.Page, "page");

        using var vm = OpenExisting(settings);
        try
        {
            if (settings.Absent) return Absent(vm, root, contract, settings.Output);
            if (settings.Range is not null) return Range(vm, root, contract, offset, length, settings.Output);
            return Page(vm, root, contract, page, settings.Output);
        }
        catch (ContractNotFoundException)
        {
            throw new UsageException($"Commit {root} has no contract {contract}.");
        }
        catch (ContractAlreadyExistsException)
        {
            throw new UsageException($"Commit {root} has contract {contract}: it is not absent.");
        }
    }

    private int Page(VM vm, Hash root, ContractId contract, ulong page, string output)
    {
        var proved = vm.ProvePage(root, contract, page); // first: it rejects a page outside the memory
        var bytes = vm.ReadPage(root, contract, page);
        var proof = proved.ToBytes();
        File.WriteAllBytes(output, proof);
        File.WriteAllBytes(output + PageSuffix, bytes);

        var grid = Grid();
        grid.AddRow("proves", Markup.Escape(ProofWords.PageOnly(proved)));
        grid.AddRow("contract", contract.ToString());
        grid.AddRow("", Markup.Escape(ProofWords.Memory(proved.MemoryLength, proved.Is64, proved.Owner.Span)));
        grid.AddRow("bytecode", proved.Bytecode.ToString());
        grid.AddRow("proof", Markup.Escape($"{output} ({proof.Length} bytes, page proof)"));
        grid.AddRow("page", Markup.Escape($"{output + PageSuffix} (4096 bytes; starts {Format.Hex(bytes.AsSpan(0, 16))})"));
        grid.AddRow("root", root.ToString());
        grid.AddRow("self-check", ProofVerifier.VerifyPage(proof, root, bytes) ? "[green]valid[/]" : "[red]INVALID[/]");
        Console.Write(grid);
        return ExitCodes.Ok;
    }

    private int Range(VM vm, Hash root, ContractId contract, ulong offset, ulong length, string output)
    {
        var proven = vm.ProveRange(root, contract, offset, length);
        var proof = proven.Proof.ToBytes();
        File.WriteAllBytes(output, proof);
        File.WriteAllBytes(output + DataSuffix, proven.Data.ToArray());

        var entry = proven.Proof.Entries[0];
        var grid = Grid();
        grid.AddRow("proves", Markup.Escape(ProofWords.RangeOnly(entry)));
        grid.AddRow("contract", contract.ToString());
        grid.AddRow("", Markup.Escape(ProofWords.Memory(entry.MemoryLength, entry.Is64, entry.Owner.Span)));
        grid.AddRow("bytecode", entry.Bytecode.ToString());
        grid.AddRow("proof", Markup.Escape($"{output} ({proof.Length} bytes, range proof)"));
        grid.AddRow("data", Markup.Escape($"{output + DataSuffix} ({proven.Data.Length} bytes; starts {Format.Hex(proven.Data.Span[..Math.Min(16, proven.Data.Length)])})"));
        grid.AddRow("root", root.ToString());
        grid.AddRow("self-check", ProofVerifier.VerifyRange(proof, root, proven.Data.Span) ? "[green]valid[/]" : "[red]INVALID[/]");
        Console.Write(grid);
        return ExitCodes.Ok;
    }

    private int Absent(VM vm, Hash root, ContractId contract, string output)
    {
        var proved = vm.ProveAbsence(root, contract);
        var proof = proved.ToBytes();
        File.WriteAllBytes(output, proof);

        var grid = Grid();
        grid.AddRow("proves", Markup.Escape(ProofWords.Absence(proved)));
        int depth = proved.ContractSiblings.Count;
        if (proved.Other is null)
        {
            grid.AddRow("path", $"ends at depth {depth} in an empty subtree");
        }
        else
        {
            grid.AddRow("path", $"ends at depth {depth}, at the leaf of contract");
            grid.AddRow("", proved.Other.Id.ToString());
        }
        grid.AddRow("proof", Markup.Escape($"{output} ({proof.Length} bytes, absence proof)"));
        grid.AddRow("root", root.ToString());
        grid.AddRow("self-check", ProofVerifier.VerifyAbsence(proof, root, contract) ? "[green]valid[/]" : "[red]INVALID[/]");
        Console.Write(grid);
        return ExitCodes.Ok;
    }

    private static (ulong Offset, ulong Length) ParseRange(string value)
    {
        var parts = value.Split(':');
        if (parts.Length != 2)
            throw new UsageException($"--range: '{Input.Shorten(value)}' is not OFFSET:LENGTH (e.g. 4096:256 or 0x1000:0x100).");
        return (Input.Number(parts[0], "--range offset"), Input.Number(parts[1], "--range length"));
    }

    private static Grid Grid() => new Grid().AddColumn().AddColumn();
}
