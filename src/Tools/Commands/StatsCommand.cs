using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust stats</c>: what the store holds, and its dedup and compression (defined in <see cref="VMStatistics"/>).</summary>
public sealed class StatsCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var vm = OpenExisting(settings);
        var stats = vm.Statistics();
        var s = stats.Store;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("value").RightAligned()).AddColumn("")
            .Title("store statistics");
        table.AddRow("commits", Format.Count(stats.Commits), s.PendingDeletes > 0 ? $"+{s.PendingDeletes} pending deletion" : "");
        table.AddRow("latest commit", stats.LatestRoot is { } latest ? Format.Short(latest) : "-", $"{stats.LatestContracts} contract(s)");
        table.AddRow("contracts", Format.Count(stats.DistinctContracts), $"distinct ids; {Format.Count(stats.ContractStates)} over all commits");
        table.AddRow("pages", Format.Count(s.Pages), $"{Format.Size(s.PageBytes)} stored");
        table.AddRow("nodes", Format.Count(s.Nodes), $"{Format.Size(s.NodeBytes)} stored");
        table.AddRow("bytecodes", Format.Count(s.Bytecodes), $"{Format.Size(s.BytecodeBytes)} stored ({Format.Size(s.BytecodeDecodedBytes)} decoded)");
        table.AddRow("compiled modules", Format.Count(s.Modules), Format.Size(s.ModuleBytes));
        table.AddRow("memory", Format.Size(stats.MemoryBytes), "memory lengths over all commits");
        table.AddRow("logical bytes", Format.Size(stats.LogicalBytes), "non-zero pages × 4 KiB over all commits");
        table.AddRow("stored bytes", Format.Size(s.StoredBytes), "pages + nodes + bytecode, encoded");
        table.AddRow("dedup ratio", Format.Ratio(stats.DedupRatio), "logical bytes / (stored pages × 4 KiB)");
        table.AddRow("compression ratio", Format.Ratio(stats.CompressionRatio), "(stored pages × 4 KiB) / stored page bytes");
        table.AddRow("on disk", Format.Size(s.DiskBytes), "RocksDB tables and memtables");
        Console.Write(table);
        return ExitCodes.Ok;
    }
}
