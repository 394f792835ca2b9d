using System.ComponentModel;
using System.Net;
using Piecrust.Tools.Serve;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust serve</c>: a read-only HTTP server over the store, for peers to sync from and light clients to get proofs.</summary>
public sealed class ServeCommand(IAnsiConsole console) : StoreCommand<ServeCommand.Settings>(console)
{
    /// <summary>Options of <c>serve</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>Where to listen.</summary>
        [CommandOption("--listen <HOST:PORT>")]
        [Description("Address to listen on (default 127.0.0.1:8080; port 0 picks a free one)")]
        public string Listen { get; init; } = "127.0.0.1:8080";

        /// <summary>Objects per batched request.</summary>
        [CommandOption("--max-batch <N>")]
        [Description("Most objects one batched request may ask for (default 1024)")]
        public int MaxBatch { get; init; } = 1024;

        /// <summary>Connections at once.</summary>
        [CommandOption("--max-connections <N>")]
        [Description("Most connections served at once (default 64)")]
        public long MaxConnections { get; init; } = 64;
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!IPEndPoint.TryParse(settings.Listen, out var endpoint) || !settings.Listen.Contains(':', StringComparison.Ordinal))
            throw new UsageException($"--listen: '{settings.Listen}' is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080).");
        if (settings.MaxBatch < 1) throw new UsageException("--max-batch must be at least 1.");
        if (settings.MaxConnections < 1) throw new UsageException("--max-connections must be at least 1.");
        using var vm = OpenExisting(settings);
        var limits = new ServeLimits { MaxBatch = settings.MaxBatch, MaxConnections = settings.MaxConnections };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        System.Console.CancelKeyPress += onCancel;
        // SIGTERM (kill, systemd stop) ends it the same way, so the store closes cleanly.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        try
        {
            var server = SyncServer.StartAsync(vm, endpoint, limits).GetAwaiter().GetResult();
            try
            {
                Console.WriteLine($"serving {Path.GetFullPath(settings.Directory)} ({vm.Commits.Count} commits) on {server.Address}");
                Console.WriteLine("  GET /health /commits /commits/{root} /objects/{hash} /objects?h=… /proofs/page/{root}/{contract}/{page} /proofs/absence/{root}/{contract}; POST /objects");
                try
                {
                    Task.Delay(Timeout.Infinite, stop.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                }
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            System.Console.CancelKeyPress -= onCancel;
        }
        Console.WriteLine("stopped");
        return ExitCodes.Ok;
    }
}
