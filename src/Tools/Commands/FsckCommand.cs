using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust fsck</c>: checks the whole store (even one the VM refuses to open); exit 2 when it finds problems.</summary>
public sealed class FsckCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    private const int ShownProblems = 50;

    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        if (!VM.StoreExists(settings.Directory))
            throw new UsageException($"No store at '{Path.GetFullPath(settings.Directory)}': run 'piecrust init' first, or pass --store DIR.");
        // Checked without opening a VM, so that a store too damaged to open is still examined.
        var report = ProgressDisplay.Run(Console, "fsck", progress => VM.FsckDirectory(settings.Directory, progress));

        var summary = new Table().Border(TableBorder.Rounded).AddColumn("checked").AddColumn(new TableColumn("count").RightAligned());
        summary.AddRow("commits", $"{report.Commits}{(report.PendingDeletes > 0 ? $" ({report.PendingDeletes} pending deletion)" : "")}");
        summary.AddRow("pages", Format.Count(report.PagesChecked));
        summary.AddRow("nodes", Format.Count(report.NodesChecked));
        summary.AddRow("bytecodes", Format.Count(report.BytecodesChecked));
        summary.AddRow("contracts", Format.Count(report.ContractsChecked));
        summary.AddRow("reference counts", Format.Count(report.ReferenceCountsChecked));
        summary.AddRow("compiled modules", $"{report.ModulesChecked}{(report.OrphanModules > 0 ? $" ({report.OrphanModules} orphan; 'gc' removes them)" : "")}");
        Console.Write(summary);

        if (report.IsClean)
        {
            Console.MarkupLine("[green]store is consistent[/]");
            return ExitCodes.Ok;
        }
        var problems = new Table().Border(TableBorder.Rounded).AddColumn("problem").AddColumn("key").AddColumn("detail");
        foreach (var problem in report.Problems.Take(ShownProblems))
            problems.AddRow(problem.Kind.ToString(), Markup.Escape(problem.Key), Markup.Escape(problem.Message));
        Console.Write(problems);
        if (report.Problems.Count > ShownProblems)
            Console.MarkupLineInterpolated($"… and {report.Problems.Count - ShownProblems} more");
        Console.MarkupLineInterpolated($"[red]{report.Problems.Count} problem(s) found[/]");
        return ExitCodes.CheckFailed;
    }
}
