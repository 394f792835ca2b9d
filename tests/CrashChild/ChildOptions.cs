using Piecrust.Storage;

namespace Piecrust.Crash;

/// <summary>
/// What the crash child runs, from its command line:
/// <c>--store DIR --contract FILE --seed N [--ops N] [--history Archive|Prune] [--memory Mapped|Plain] [--fault POINT:N]</c>.
/// </summary>
/// <param name="Store">The store directory (created when missing).</param>
/// <param name="Contract">The counter contract's wasm file (tests/contracts/out/counter.wasm).</param>
/// <param name="Seed">Seed of the workload's choices: the same seed on the same store state does the same operations.</param>
/// <param name="Operations">Operations to run before printing <c>done</c> and exiting normally.</param>
/// <param name="History">The VM's history mode, which decides what finalizing does.</param>
/// <param name="Memory">The VM's memory path.</param>
/// <param name="Fault">When set, the process kills itself the <c>Occurrence</c>-th time it reaches <c>Point</c>.</param>
internal sealed record ChildOptions(
    string Store,
    string Contract,
    int Seed,
    int Operations,
    HistoryMode History,
    MemoryPath Memory,
    (StoreFault Point, int Occurrence)? Fault)
{
    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with the reason when it is wrong.</summary>
    public static ChildOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
                throw new ArgumentException($"Expected '--name value' pairs, got '{args[i]}'.");
            values[args[i][2..]] = args[i + 1];
        }
        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

        (StoreFault, int)? fault = null;
        if (values.TryGetValue("fault", out var spec))
        {
            var parts = spec.Split(':');
            if (parts.Length != 2 || !Enum.TryParse<StoreFault>(parts[0], out var point) || !int.TryParse(parts[1], out int occurrence) || occurrence < 1)
                throw new ArgumentException($"--fault takes POINT:N with N ≥ 1, got '{spec}'.");
            fault = (point, occurrence);
        }
        return new ChildOptions(
            Required("store"),
            Required("contract"),
            int.Parse(Required("seed"), System.Globalization.CultureInfo.InvariantCulture),
            values.TryGetValue("ops", out var ops) ? int.Parse(ops, System.Globalization.CultureInfo.InvariantCulture) : 1000,
            values.TryGetValue("history", out var history) ? Enum.Parse<HistoryMode>(history) : HistoryMode.Archive,
            values.TryGetValue("memory", out var memory) ? Enum.Parse<MemoryPath>(memory) : MemoryPath.Mapped,
            fault);
    }

    /// <summary>The command line that <see cref="Parse"/> reads back as this record.</summary>
    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string>
        {
            "--store", Store, "--contract", Contract,
            "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ops", Operations.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--history", History.ToString(), "--memory", Memory.ToString(),
        };
        if (Fault is { } fault) args.AddRange(["--fault", $"{fault.Point}:{fault.Occurrence}"]);
        return args;
    }
}
