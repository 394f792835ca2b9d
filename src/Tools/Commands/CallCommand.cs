using System.Buffers.Binary;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary><c>piecrust call</c>: calls a contract function on a commit; <c>--commit</c> keeps the changes.</summary>
public sealed class CallCommand(IAnsiConsole console) : StoreCommand<CallCommand.Settings>(console)
{
    /// <summary>Options of <c>call</c>.</summary>
    public sealed class Settings : StoreSettings
    {
        /// <summary>The contract id.</summary>
        [CommandArgument(0, "<contract>")]
        [Description("Contract id (64 hex digits)")]
        public string Contract { get; init; } = "";

        /// <summary>The function name.</summary>
        [CommandArgument(1, "<function>")]
        [Description("Exported function to call")]
        public string Function { get; init; } = "";

        /// <summary>The argument bytes.</summary>
        [CommandOption("--arg <HEX>")]
        [Description("Argument bytes, hex or @file (default empty)")]
        public string? Arg { get; init; }

        /// <summary>Gas limit.</summary>
        [CommandOption("--gas <N>")]
        [Description("Gas limit (default 1000000000)")]
        public string Gas { get; init; } = "1000000000";

        /// <summary>The commit to call on.</summary>
        [CommandOption("--base <ROOT>")]
        [Description("Commit to call on (default the newest)")]
        public string? Base { get; init; }

        /// <summary>Commit the call's changes.</summary>
        [CommandOption("--commit")]
        [Description("Commit the call's changes and print the new root")]
        public bool Commit { get; init; }
    }

    /// <inheritdoc/>
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var contract = Input.Contract(settings.Contract);
        var arg = settings.Arg is null ? [] : Input.Bytes(settings.Arg, "--arg", Session.MaxArgumentSize, $"a call argument is at most {Session.MaxArgumentSize:N0} bytes");
        ulong gas = Input.Number(settings.Gas, "--gas");

        using var vm = OpenExisting(settings);
        var baseRoot = BaseOf(vm, settings.Base);
        using var session = vm.Session(new SessionData { Base = baseRoot });
        var receipt = session.Call(contract, settings.Function, arg, gas);

        var result = new Table().AddColumn("").AddColumn("").HideHeaders().Border(TableBorder.Rounded).Title($"{settings.Function}");
        result.AddRow("result", Format.Hex(receipt.Data));
        if (receipt.Data.Length == 8)
            result.AddRow("as u64 LE", $"{BinaryPrimitives.ReadUInt64LittleEndian(receipt.Data)} (0x{BinaryPrimitives.ReadUInt64LittleEndian(receipt.Data):x})");
        result.AddRow("gas", $"{Format.Count(receipt.GasSpent)} of {Format.Count(receipt.GasLimit)}");
        result.AddRow("base", baseRoot?.ToString() ?? "(empty state)");
        Console.Write(result);

        if (receipt.Events.Count > 0)
        {
            var events = new Table().Border(TableBorder.Rounded).Title("events")
                .AddColumn("#").AddColumn("source").AddColumn("topic").AddColumn("data").AddColumn("reverted");
            for (int i = 0; i < receipt.Events.Count; i++)
            {
                var e = receipt.Events[i];
                events.AddRow(i.ToString(), Format.Short(e.Source.AsHash), Markup.Escape(e.Topic), Format.Hex(e.Data, 32), e.Reverted ? "yes" : "");
            }
            Console.Write(events);
        }
        else
        {
            Console.MarkupLine("[grey]no events[/]");
        }
        foreach (var line in session.DebugLog) Console.MarkupLineInterpolated($"[grey]debug:[/] {line}");

        if (settings.Commit)
        {
            var root = session.Commit();
            Console.WriteLine($"root {root}");
        }
        return ExitCodes.Ok;
    }
}
