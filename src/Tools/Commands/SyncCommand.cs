using System.ComponentModel;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust sync</c>: pulls a commit from a peer running <c>piecrust serve</c>, verified, resumable, fetching only what the store lacks.</summary>
public sealed class SyncCommand(IAnsiConsole console) : StoreCommand<SyncCommand.Settings>(console)
{
    /// <summary>Options of <c>sync</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The peer.</summary>
        [CommandArgument(0, "<url>")]
        [Description("The peer, e.g. http://127.0.0.1:8080")]
        public string Url { get; init; } = "";

        /// <summary>The commit to pull.</summary>
        [CommandArgument(1, "[root]")]
        [Description("Commit root (64 hex digits; default: the peer's newest)")]
        public string? Root { get; init; }

        /// <summary>Objects per request.</summary>
        [CommandOption("--batch <N>")]
        [Description("Objects per request (default 256; the peer's limit must allow it)")]
        public int Batch { get; init; } = HttpSyncSource.DefaultMaxBatch;
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new UsageException($"'{settings.Url}' is not an http:// or https:// address.");
        if (settings.Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (!url.AbsolutePath.EndsWith('/')) url = new Uri(url, url.AbsolutePath + "/");
        var wanted = settings.Root is null ? (Hash?)null : Input.Root(settings.Root);
        using var vm = OpenOrCreate(settings);
        using var source = new HttpSyncSource(url, settings.Batch);
        var root = wanted ?? source.GetCommits().LastOrDefault()?.Root
            ?? throw new UsageException($"The peer {url} has no commits.");
        var summary = Run(root, progress => vm.Sync(source, root, progress));
        Console.WriteLine($"synced {root}");
        Console.WriteLine($"  {summary.ObjectsFetched} objects, {summary.BytesFetched} bytes fetched, {summary.AlreadyPresent} already present");
        return ExitCodes.Ok;
    }

    private SyncSummary Run(Hash root, Func<IProgress<SyncProgress>, SyncSummary> work)
    {
        if (!Console.Profile.Capabilities.Interactive) return work(new Progress<SyncProgress>());
        SyncSummary summary = null!;
        Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new SpinnerColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"sync {Format.Short(root)}");
                task.IsIndeterminate = true;
                summary = work(new SyncBar(task, root));
                task.Description = $"sync {Format.Short(root)}: {summary.ObjectsFetched} objects, {Format.Size(summary.BytesFetched)}";
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return summary;
    }

    // The total is unknown until the walk ends (only the missing part of the tree is walked): the bar counts what arrived.
    private sealed class SyncBar(ProgressTask task, Hash root) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) =>
            task.Description = $"sync {Format.Short(root)}: {value.ObjectsFetched} objects, {Format.Size(value.BytesFetched)} fetched, {value.AlreadyPresent} present";
    }
}
