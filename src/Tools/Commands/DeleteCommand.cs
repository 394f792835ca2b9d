using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust delete</c>: deletes one commit.</summary>
public sealed class DeleteCommand(IAnsiConsole console) : StoreCommand<RootSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, RootSettings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        using var vm = OpenExisting(settings);
        vm.DeleteCommit(root);
        Console.WriteLine($"deleted {root} ({vm.CommitLog.Count} commits left)");
        return ExitCodes.Ok;
    }
}
