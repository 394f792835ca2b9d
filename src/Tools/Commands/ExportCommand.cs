using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust export</c>: writes a self-contained snapshot of one commit (format: <see cref="Merkle.StateSnapshot"/>).</summary>
public sealed class ExportCommand(IAnsiConsole console) : StoreCommand<ExportCommand.Settings>(console)
{
    /// <summary>Options of <c>export</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The commit to export.</summary>
        [CommandArgument(0, "<root>")]
        [Description("Commit root (64 hex digits)")]
        public string Root { get; init; } = "";

        /// <summary>Where the snapshot goes.</summary>
        [CommandOption("-o|--output <FILE>")]
        [Description("Snapshot file (default state.bin)")]
        public string Output { get; init; } = "state.bin";
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        using var vm = OpenExisting(settings);
        if (!vm.Commits.Contains(root)) throw new CommitNotFoundException(root);
        // Written to a temporary name and renamed when complete: a failed export leaves no partial file behind.
        string partial = settings.Output + ".partial";
        Merkle.SnapshotInfo info;
        try
        {
            using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                info = ProgressDisplay.Run(Console, "export", progress => vm.Export(root, output, progress));
            File.Move(partial, settings.Output, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
        Console.WriteLine($"exported {root}");
        Console.WriteLine($"  to {settings.Output}: {info.Nodes} nodes, {info.Pages} pages, {info.Bytecodes} bytecodes, {info.Bytes} bytes");
        return ExitCodes.Ok;
    }
}
