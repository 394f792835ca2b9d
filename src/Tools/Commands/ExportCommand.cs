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
        var info = TryOpenStream(settings.Output) is { } stream ? ExportTo(vm, root, stream) : ExportToFile(vm, root, settings.Output);
        Console.WriteLine($"exported {root}");
        Console.WriteLine($"  to {settings.Output}: {info.Nodes} nodes, {info.Pages} pages, {info.Bytecodes} bytecodes, {info.Bytes} bytes");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// An existing output that is not a regular file (a named pipe, a device) is written in place as the
    /// snapshot streams out: renaming a finished file over it would replace the pipe and leave its reader
    /// waiting. A reader of a stream cut short sees a truncated snapshot (the trailer is checked).
    /// </summary>
    private static FileStream? TryOpenStream(string path)
    {
        if (!File.Exists(path)) return null;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16); // a reader holds its own lock on the pipe
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // replaced by rename, as any file we cannot open in place
        }
        if (!stream.CanSeek) return stream;
        stream.Dispose(); // a regular file: replaced whole at the end (see ExportToFile)
        return null;
    }

    private Merkle.SnapshotInfo ExportTo(VM vm, Hash root, FileStream output)
    {
        using (output) return ProgressDisplay.Run(Console, "export", progress => vm.Export(root, output, progress));
    }

    /// <summary>Written to a temporary name and renamed when complete: a failed export leaves no partial file behind.</summary>
    private Merkle.SnapshotInfo ExportToFile(VM vm, Hash root, string path)
    {
        string partial = path + ".partial";
        try
        {
            Merkle.SnapshotInfo info;
            using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                info = ExportTo(vm, root, output);
            File.Move(partial, path, overwrite: true);
            return info;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }
}
