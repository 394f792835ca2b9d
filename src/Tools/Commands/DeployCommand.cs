using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust deploy</c>: deploys a contract on the newest commit (or <c>--base</c>) and commits.</summary>
public sealed class DeployCommand(IAnsiConsole console) : StoreCommand<DeployCommand.Settings>(console)
{
    /// <summary>Options of <c>deploy</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The module file: a WebAssembly binary or WAT text.</summary>
        [CommandArgument(0, "<module>")]
        [Description("Contract module: .wasm binary or .wat text")]
        public string Module { get; init; } = "";

        /// <summary>The owner bytes.</summary>
        [CommandOption("--owner <HEX>")]
        [Description("Owner bytes, hex or @file (required)")]
        public string? Owner { get; init; }

        /// <summary>The init argument; init runs whenever the contract exports it, with an empty argument when none is given.</summary>
        [CommandOption("--init <HEX>")]
        [Description("Argument of init (hex or @file; empty by default); init runs whenever the contract has one")]
        public string? Init { get; init; }

        /// <summary>Gas limit of init.</summary>
        [CommandOption("--gas <N>")]
        [Description("Gas limit for init (default 1000000000)")]
        public string Gas { get; init; } = "1000000000";

        /// <summary>The contract id (default BLAKE3 of the bytecode).</summary>
        [CommandOption("--id <HEX>")]
        [Description("Contract id, 64 hex digits (default BLAKE3 of the bytecode)")]
        public string? Id { get; init; }

        /// <summary>The commit to deploy on.</summary>
        [CommandOption("--base <ROOT>")]
        [Description("Commit to deploy on (default the newest)")]
        public string? Base { get; init; }
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var owner = Input.Bytes(settings.Owner ?? throw new UsageException("--owner is required: the contract's owner bytes in hex (e.g. --owner 01)."), "--owner",
            ushort.MaxValue, $"an owner is at most {ushort.MaxValue:N0} bytes");
        ReadOnlyMemory<byte> init = settings.Init is null ? default
            : Input.Bytes(settings.Init, "--init", Session.MaxArgumentSize, $"an init argument is at most {Session.MaxArgumentSize:N0} bytes");
        ulong gas = Input.Number(settings.Gas, "--gas");
        ContractId? id = settings.Id is null ? null : Input.Contract(settings.Id);
        var bytecode = Input.Module(settings.Module);

        using var vm = OpenExisting(settings);
        var baseRoot = BaseOf(vm, settings.Base);
        using var session = vm.Session(new SessionData { Base = baseRoot });
        var contract = session.Deploy(bytecode, new ContractData(owner, init, id), gas);
        var root = session.Commit();

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("contract", contract.ToString());
        grid.AddRow("bytecode", $"{Hash.Of(bytecode)} ({Format.Size(bytecode.Length)})");
        grid.AddRow("base", baseRoot?.ToString() ?? "(empty state)");
        grid.AddRow("root", root.ToString());
        Console.Write(grid);
        return ExitCodes.Ok;
    }
}
