using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust init</c>: creates an empty store (nothing changes if one is there).</summary>
public sealed class InitCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        string directory = Path.GetFullPath(settings.Directory);
        bool existed = VM.StoreExists(directory);
        using var vm = OpenOrCreate(settings);
        Console.MarkupLineInterpolated($"{(existed ? "store already exists at" : "created store at")} [bold]{directory}[/] ({vm.CommitLog.Count} commits)");
        return ExitCodes.Ok;
    }
}
