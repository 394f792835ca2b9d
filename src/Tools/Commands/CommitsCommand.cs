using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust commits</c>: the live commits, oldest first.</summary>
public sealed class CommitsCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var vm = OpenExisting(settings);
        var commits = vm.CommitLog;
        if (commits.Count == 0)
        {
            Console.MarkupLine("[grey]no commits[/]");
            return ExitCodes.Ok;
        }
        var finalized = vm.FinalizedCommit;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("seq").AddColumn("root").AddColumn("parent").AddColumn("final");
        foreach (var commit in commits)
            table.AddRow(commit.Sequence.ToString(), commit.Root.ToString(),
                commit.Parent is { } parent ? Format.Short(parent) : "-", commit.Root == finalized ? "✔" : "");
        Console.Write(table);
        return ExitCodes.Ok;
    }
}
