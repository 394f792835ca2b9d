using BenchmarkDotNet.Running;

namespace Piecrust.Bench;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Bench.csproj -- --filter '*Storage*'</c>.
/// Every argument goes to BenchmarkDotNet's switcher (<c>--list flat</c>, <c>--anyCategories</c>, <c>--job</c>, …),
/// except <c>compile-sweep</c>, <c>block-phases</c> and <c>cold-phases</c>, which run the probes <see cref="Engine.CompileSweep"/>,
/// <see cref="Engine.BlockPhases"/> and <see cref="Engine.ColdStartPhases"/> instead,
/// and <c>--write-proofs DIR</c>, which writes the proof benches' proofs for clients/js/bench.js (<see cref="Storage.ProofFiles"/>).
/// </summary>
public static class Program
{
    /// <summary>Runs the selected benchmarks; returns 1 when a benchmark failed validation.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compile-sweep") return Engine.CompileSweep.Run(args[1..]);
        if (args.Length > 0 && args[0] == "block-phases") return Engine.BlockPhases.Run(args[1..]);
        if (args.Length > 0 && args[0] == "cold-phases") return Engine.ColdStartPhases.Run(args[1..]);
        using var run = BenchRun.Begin();
        if (args is ["--write-proofs", var directory])
        {
            Storage.ProofFiles.Write(directory);
            return 0;
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
