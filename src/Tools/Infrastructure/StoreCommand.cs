using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools;

/// <summary>Base of the commands: the console they write to and how they open the store.</summary>
public abstract class StoreCommand<TSettings> : Command<TSettings> where TSettings : StoreSettings
{
    /// <summary>Creates the command writing to <paramref name="console"/>.</summary>
    protected StoreCommand(IAnsiConsole console) => Console = console;

    /// <summary>Where the command writes its output.</summary>
    protected IAnsiConsole Console { get; }

    /// <summary>Opens the store of <paramref name="settings"/>, which must exist (commands never create one by accident).</summary>
    /// <exception cref="UsageException">There is no store there.</exception>
    /// <exception cref="StoreLockedException">Another process has the store open.</exception>
    protected static VM OpenExisting(StoreSettings settings)
    {
        if (!VM.StoreExists(settings.Directory))
            throw new UsageException($"No store at '{Path.GetFullPath(settings.Directory)}': run 'piecrust init' first, or pass --store DIR.");
        return VM.Open(settings.Directory);
    }

    /// <summary>Opens the store of <paramref name="settings"/>, creating it when missing (but never inside a non-empty directory that is not a store).</summary>
    /// <exception cref="UsageException">The directory holds something else.</exception>
    /// <exception cref="StoreLockedException">Another process has the store open.</exception>
    protected static VM OpenOrCreate(StoreSettings settings)
    {
        string directory = Path.GetFullPath(settings.Directory);
        if (!VM.StoreExists(directory) && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new UsageException($"'{directory}' exists and is not empty, and it is not a store: choose another --store directory.");
        return VM.Open(directory);
    }

    /// <summary>The commit to build on: <paramref name="baseOption"/> when given, else the newest live commit, else the empty state (null).</summary>
    protected static Hash? BaseOf(VM vm, string? baseOption) =>
        baseOption is not null ? Input.Root(baseOption, "--base") : vm.CommitLog.LastOrDefault()?.Root;
}
