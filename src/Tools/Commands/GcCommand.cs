using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust gc</c>: reclaims leftovers, removes orphan compiled modules, compacts the database.</summary>
public sealed class GcCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var vm = OpenExisting(settings);
        var report = ProgressDisplay.Run(Console, "gc", vm.CollectGarbage);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("gc").AddColumn(new TableColumn("result").RightAligned());
        table.AddRow("deleted commits reclaimed", report.PendingDeletesReclaimed.ToString());
        table.AddRow("objects reclaimed", report.ObjectsReclaimed.ToString());
        table.AddRow("orphan compiled modules removed", report.OrphanModulesRemoved.ToString());
        table.AddRow("column families compacted", report.ColumnFamiliesCompacted.ToString());
        table.AddRow("size on disk", $"{Format.Size(report.DiskBytesBefore)} → {Format.Size(report.DiskBytesAfter)}");
        Console.Write(table);
        return ExitCodes.Ok;
    }
}
