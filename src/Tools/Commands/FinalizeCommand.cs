using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust finalize</c>: marks one commit as finalized.</summary>
public sealed class FinalizeCommand(IAnsiConsole console) : StoreCommand<RootSettings>(console)
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, RootSettings settings, CancellationToken cancellationToken)
    {
        var root = Input.Root(settings.Root);
        using var vm = OpenExisting(settings);
        vm.FinalizeCommit(root);
        Console.WriteLine($"finalized {root}");
        return ExitCodes.Ok;
    }
}
