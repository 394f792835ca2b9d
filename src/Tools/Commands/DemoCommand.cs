using System.Buffers.Binary;
using Piecrust.Merkle;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>
/// <c>piecrust demo</c>: deploys the bundled counter (WAT, see <see cref="DemoContract"/>), calls it,
/// commits, proves the page holding the counter and verifies the proof — on a temporary store, or on
/// <c>--store</c> when given. Exit 0 when every step gave the expected result.
/// </summary>
public sealed class DemoCommand(IAnsiConsole console) : StoreCommand<StoreSettings>(console)
{
    private const ulong Gas = 100_000_000;

    /// <inheritdoc/>
    public override int Execute(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var vm = settings.Store is null ? VM.Ephemeral() : OpenOrCreate(settings);
        Console.Write(new FigletText("piecrust").Color(Color.Orange1));
        Console.MarkupLineInterpolated($"store: [bold]{vm.Directory}[/]{(settings.Store is null ? " (temporary, removed at exit)" : "")}");

        Step(1, "compile the counter contract (WAT → WebAssembly)");
        string wat = DemoContract.Wat();
        var bytecode = DemoContract.Bytecode();
        var id = new ContractId(Hash.Of(bytecode));
        Console.Write(Facts(("source", $"counter.wat, {wat.Length} characters (embedded in the tool)"),
            ("binary", $"{bytecode.Length} bytes, BLAKE3 {Hash.Of(bytecode)}")));

        Step(2, "deploy");
        var baseRoot = vm.CommitLog.LastOrDefault()?.Root;
        using var session = vm.Session(new SessionData { Base = baseRoot });
        bool existed = baseRoot is { } b && vm.Contracts(b).Any(c => c.Id == id);
        if (!existed) session.Deploy(bytecode, new ContractData("piecrust-demo"u8.ToArray()), Gas);
        Console.Write(Facts(("contract", id.ToString()),
            ("on", baseRoot?.ToString() ?? "the empty state"),
            ("deployed", existed ? "already there (earlier demo run): reusing it" : "yes, owner \"piecrust-demo\"")));

        Step(3, "call read_value");
        ulong before = ReadValue(session, id);

        Step(4, "call increment");
        var increment = session.Call(id, "increment", [], Gas);
        Console.Write(Facts(("result", Format.Hex(increment.Data)), ("gas", Format.Count(increment.GasSpent))));

        Step(5, "call read_value again");
        ulong after = ReadValue(session, id);

        Step(6, "commit");
        var root = session.Commit();
        Console.Write(Facts(("state root", root.ToString()), ("commits", vm.CommitLog.Count.ToString())));

        Step(7, $"prove page {DemoContract.CounterPage} (bytes 0x{DemoContract.CounterOffset:x}.., holding the counter)");
        var proof = vm.ProvePage(root, id, DemoContract.CounterPage);
        var page = vm.ReadPage(root, id, DemoContract.CounterPage);
        var proofBytes = proof.ToBytes();
        ulong proven = BinaryPrimitives.ReadUInt64LittleEndian(page);
        Console.Write(Facts(("proof", $"{proofBytes.Length} bytes: {proof.PageSiblings.Count} page-tree siblings, {proof.ContractSiblings.Count} contract-tree siblings"),
            ("page", $"4096 bytes, starts {Format.Hex(page.AsSpan(0, 8))} = {proven} (0x{proven:x})")));

        Step(8, "verify with ProofVerifier (proof + root + page only; no store)");
        var tampered = page.ToArray();
        tampered[0] ^= 1;
        var checks = new (string Case, bool Expected, bool Actual)[]
        {
            ("the page against the state root", true, ProofVerifier.VerifyPage(proofBytes, root, page)),
            ("a tampered page (one bit flipped)", false, ProofVerifier.VerifyPage(proofBytes, root, tampered)),
            ("the page against another root", false, ProofVerifier.VerifyPage(proofBytes, baseRoot ?? Domain.EmptyState, page)),
        };
        var table = new Table().Border(TableBorder.Rounded).AddColumn("verify").AddColumn("expected").AddColumn("got");
        foreach (var (name, expected, actual) in checks)
            table.AddRow(name, Verdict(expected), expected == actual ? Verdict(actual) : $"[red bold]{(actual ? "valid" : "INVALID")} (wrong!)[/]");
        Console.Write(table);

        bool ok = after == before + 1 && proven == after && checks.All(c => c.Expected == c.Actual);
        Console.Write(new Rule());
        Console.MarkupLine(ok
            ? $"[green bold]demo complete[/]: the counter went from 0x{before:x} to 0x{after:x}, was committed under root {root.ToString()[..16]}…, and a light client can check it from the proof alone."
            : "[red bold]demo FAILED[/]: a step did not give the expected result (see above).");
        return ok ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private ulong ReadValue(Session session, ContractId id)
    {
        var receipt = session.Call(id, "read_value", [], Gas);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(receipt.Data);
        Console.Write(Facts(("result", $"{Format.Hex(receipt.Data)} = {value} (0x{value:x})"), ("gas", Format.Count(receipt.GasSpent))));
        return value;
    }

    private void Step(int number, string title) =>
        Console.Write(new Rule($"[yellow]{number}[/] · {Markup.Escape(title)}").LeftJustified());

    private static Grid Facts(params (string Name, string Value)[] rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().PadRight(2)).AddColumn();
        foreach (var (name, value) in rows) grid.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Text(value));
        return grid;
    }

    private static string Verdict(bool valid) => valid ? "[green]valid[/]" : "[red]INVALID[/]";
}
