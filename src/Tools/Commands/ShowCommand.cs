using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust show</c>: the contracts of one commit.</summary>
public sealed class ShowCommand(IAnsiConsole console) : StoreCommand<RootSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, RootSettings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        using var vm = OpenExisting(settings);
        var contracts = vm.DescribeContracts(root);
        var commit = vm.CommitLog.FirstOrDefault(c => c.Root == root);
        Console.MarkupLineInterpolated($"commit [bold]{root}[/] (seq {commit?.Sequence}{(vm.FinalizedCommit == root ? ", finalized" : "")}): {contracts.Count} contract(s)");
        foreach (var contract in contracts)
        {
            var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("")
                .Title($"contract {contract.Id}");
            table.AddRow("bytecode", contract.Bytecode.ToString());
            table.AddRow("owner", Format.Hex(contract.Owner, 32));
            table.AddRow("memory", $"{Format.Count(contract.MemoryLength)} bytes ({Format.Size(contract.MemoryLength)}, {(contract.Is64 ? "64" : "32")}-bit)");
            table.AddRow("non-zero pages", $"{Format.Count(contract.NonZeroPages)} of {Format.Count(contract.MemoryLength / 4096)}");
            table.AddRow("memory root", contract.MemoryRoot.ToString());
            Console.Write(table);
        }
        return ExitCodes.Ok;
    }
}
