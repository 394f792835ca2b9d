using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust import</c>: reads a snapshot into the store (created if missing) as a commit with no parent.</summary>
public sealed class ImportCommand(IAnsiConsole console) : StoreCommand<ImportCommand.Settings>(console)
{
    /// <summary>Options of <c>import</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The snapshot file.</summary>
        [CommandArgument(0, "<snapshot>")]
        [Description("Snapshot file written by 'export'")]
        public string Snapshot { get; init; } = "";
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        FileStream input;
        try
        {
            input = new FileStream(settings.Snapshot, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"snapshot: cannot read '{settings.Snapshot}': {e.Message}", e);
        }
        using (input)
        {
            using var vm = OpenOrCreate(settings);
            var info = ProgressDisplay.Run(Console, "import", progress => vm.Import(input, progress));
            Console.WriteLine($"imported {info.Root}");
            Console.WriteLine($"  {info.Nodes} nodes, {info.Pages} pages, {info.Bytecodes} bytecodes from {info.Bytes} bytes");
        }
        return ExitCodes.Ok;
    }
}
