using System.Reflection;
using Piecrust.Tools.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools;

/// <summary>
/// The <c>piecrust</c> command-line program: store maintenance, deploys, calls, proofs and the demo.
/// <see cref="Run"/> is the whole program, callable in-process (tests pass a recording console).
/// </summary>
public static class PiecrustCli
{
    private static readonly string[] GlobalOptions = ["--store"];

    /// <summary>
    /// Runs the program with <paramref name="args"/>, writing to <paramref name="console"/>, and returns
    /// the exit code (<see cref="ExitCodes"/>). Never throws for bad input: every error is one line on
    /// the console and a non-zero exit code.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("piecrust");
            config.UseStrictParsing();
            config.ConfigureConsole(console);
            config.Settings.Registrar.RegisterInstance<IAnsiConsole>(console);
            config.SetExceptionHandler((exception, _) => ReportError(console, exception));

            config.AddCommand<InitCommand>("init").WithDescription("Create an empty store.")
                .WithExample("init", "--store", "./state");
            config.AddCommand<DeployCommand>("deploy").WithDescription("Deploy a contract (.wasm or .wat) on the newest commit (or --base) and commit.")
                .WithExample("deploy", "counter.wat", "--owner", "0102");
            config.AddCommand<CallCommand>("call").WithDescription("Call a contract function; --commit keeps its changes as a new commit.")
                .WithExample("call", "<contract>", "increment", "--commit");
            config.AddCommand<CommitsCommand>("commits").WithDescription("List the live commits.");
            config.AddCommand<ShowCommand>("show").WithDescription("Show the contracts of a commit.")
                .WithExample("show", "<root>");
            config.AddCommand<DeleteCommand>("delete").WithDescription("Delete a commit (what nothing else reaches is reclaimed).");
            config.AddCommand<FinalizeCommand>("finalize").WithDescription("Mark a commit as finalized.");
            config.AddCommand<ProveCommand>("prove").WithDescription("Write a proof of a page, a byte range (--range) or a contract's absence (--absent).")
                .WithExample("prove", "<root>", "<contract>", "16", "-o", "proof.bin")
                .WithExample("prove", "<root>", "<contract>", "--range", "0x10000:64", "-o", "range.bin")
                .WithExample("prove", "<root>", "<contract>", "--absent", "-o", "absent.bin");
            config.AddCommand<VerifyCommand>("verify").WithDescription("Verify a page, range or absence proof against a root, without a store.")
                .WithExample("verify", "proof.bin", "--root", "<root>");
            config.AddCommand<StatsCommand>("stats").WithDescription("Show what the store holds, its dedup and compression.");
            config.AddCommand<FsckCommand>("fsck").WithDescription("Check every object, reference count and commit record (exit 2 on problems).");
            config.AddCommand<GcCommand>("gc").WithDescription("Reclaim leftovers, drop orphan compiled modules, compact the database.");
            config.AddCommand<ExportCommand>("export").WithDescription("Write a self-contained snapshot of one commit.")
                .WithExample("export", "<root>", "-o", "state.bin");
            config.AddCommand<ImportCommand>("import").WithDescription("Read a snapshot into the store (created if missing) as a commit.")
                .WithExample("import", "state.bin");
            config.AddCommand<ServeCommand>("serve").WithDescription("Serve the store read-only over HTTP: commits, objects for sync, proofs (127.0.0.1 by default).")
                .WithExample("serve", "--listen", "127.0.0.1:8080");
            config.AddCommand<SyncCommand>("sync").WithDescription("Pull a commit (default: the peer's newest) from a peer's serve, verified, fetching only what is missing.")
                .WithExample("sync", "http://127.0.0.1:8080");
            config.AddCommand<DemoCommand>("demo").WithDescription("Deploy, call, commit, prove and verify the bundled counter (temporary store unless --store).");
        });
        return app.Run(HoistGlobalOptions(args));
    }

    /// <summary>Moves global options given before the command name (<c>piecrust --store DIR fsck</c>) after it, where the parser takes them.</summary>
    internal static string[] HoistGlobalOptions(string[] args)
    {
        var leading = new List<string>();
        int i = 0;
        while (i < args.Length)
        {
            string arg = args[i];
            if (GlobalOptions.Contains(arg) && i + 1 < args.Length)
            {
                leading.Add(arg);
                leading.Add(args[i + 1]);
                i += 2;
            }
            else if (GlobalOptions.Any(o => arg.StartsWith(o + "=", StringComparison.Ordinal)))
            {
                leading.Add(arg);
                i++;
            }
            else
            {
                break;
            }
        }
        if (leading.Count == 0 || i >= args.Length) return args;
        return [args[i], .. leading, .. args[(i + 1)..]];
    }

    private static int ReportError(IAnsiConsole console, Exception exception)
    {
        while (exception is TargetInvocationException or AggregateException && exception.InnerException is not null)
            exception = exception.InnerException;
        string message = exception switch
        {
            ContractPanicException panic => $"the contract panicked: {OneLine(panic.PanicMessage)} (contract {panic.Contract}, gas spent {panic.GasSpent})",
            CallFailedException call => $"{OneLine(call.Message)} (contract {call.Contract}, gas spent {call.GasSpent})",
            PiecrustException or CommandAppException or IOException or UnauthorizedAccessException => OneLine(exception.Message),
            _ => $"unexpected {exception.GetType().Name}: {OneLine(exception.Message)}",
        };
        // Written past Spectre's renderer so that the line is never wrapped at the console width.
        bool ansi = console.Profile.Capabilities.Ansi;
        console.Profile.Out.Writer.WriteLine($"{(ansi ? "\u001b[31merror:\u001b[0m" : "error:")} {message}");
        console.Profile.Out.Writer.Flush();
        return ExitCodes.Error;
    }

    private static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : lines.Length == 1 ? lines[0] : lines[0] + " …";
    }
}
