using System.Diagnostics;
using System.Globalization;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Compile time against module size, by shape, for choosing the module limits of <see cref="VMOptions"/>
/// (not a BenchmarkDotNet benchmark: each point is one deploy of a module never seen before, which
/// is what the limits bound). Run:
/// <code>dotnet run -c Release --project bench/Bench.csproj -- compile-sweep [--max-cpu SECONDS] [--shapes a,b,limits] [FILE.wasm…]</code>
/// For each shape of <see cref="GeneratedModule"/> it deploys modules of growing size on a fresh
/// ephemeral VM whose limits are lifted and records the CPU time of the deploy (all threads of the
/// process: Wasmtime compiles functions in parallel) and its wall time, until a point takes more
/// than <c>--max-cpu</c> (default 4 s) of CPU. The verdict column says whether the default limits
/// accept the module, and if not which option refuses it. Then modules at several default limits at
/// once, and the given contract files. CPU time is the measure because the machine may be shared:
/// wall time on an idle machine lies between CPU time / cores and CPU time.
/// </summary>
public static class CompileSweep
{
    private static readonly VMOptions Unlimited = new()
    {
        MaxModuleSize = int.MaxValue,
        MaxFunctions = int.MaxValue,
        MaxFunctionBodySize = int.MaxValue,
        MaxDataSegments = int.MaxValue,
        MaxControlInstructions = int.MaxValue,
        MaxFunctionControlInstructions = int.MaxValue,
    };

    private static readonly int[] Sizes = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

    /// <summary>Runs the sweep; <paramref name="args"/> as in the class summary.</summary>
    public static int Run(string[] args)
    {
        double maxCpu = 4;
        var shapes = GeneratedModule.Shapes.Keys.Append("limits").ToList();
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--max-cpu" && i + 1 < args.Length) maxCpu = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--shapes" && i + 1 < args.Length) shapes = args[++i].Split(',').ToList();
            else files.Add(args[i]);
        }

        Console.WriteLine($"| shape | n | bytes | CPU ms | wall ms | default limits |");
        Console.WriteLine($"|---|---:|---:|---:|---:|---|");
        Measure("baseline", 1, GeneratedModule.Build("functions", 1));
        foreach (var shape in shapes.Where(GeneratedModule.Shapes.ContainsKey))
        {
            foreach (int n in Sizes)
            {
                var cpu = Measure(shape, n, GeneratedModule.Build(shape, n));
                if (cpu is null || cpu > maxCpu * 1000) break;
            }
        }

        if (shapes.Contains("limits")) AtTheLimits();
        foreach (var file in files) Measure(Path.GetFileName(file), 1, File.ReadAllBytes(file));
        return 0;
    }

    /// <summary>Modules that use several default limits to the full at once.</summary>
    private static void AtTheLimits()
    {
        var defaults = new VMOptions();
        int perFunction = defaults.MaxFunctionControlInstructions;
        int controlFunctions = defaults.MaxControlInstructions / perFunction;
        foreach (var kind in GeneratedModule.ControlKinds)
        {
            Measure($"at the limits: {kind}", controlFunctions, GeneratedModule.Mixed(kind,
                defaults.MaxFunctions, controlFunctions, perFunction, defaults.MaxDataSegments, defaults.MaxModuleSize - 4096, defaults.MaxFunctionBodySize));
        }
        Measure("at the limits: ifs, every function exported", controlFunctions, GeneratedModule.Mixed("ifs",
            defaults.MaxFunctions, controlFunctions, perFunction, defaults.MaxDataSegments, defaults.MaxModuleSize - 4096, defaults.MaxFunctionBodySize, exportAll: true));
        Measure("at the limits: straight", 8, GeneratedModule.Mixed("calls",
            defaults.MaxFunctions, 8, 1, defaults.MaxDataSegments, defaults.MaxModuleSize - 4096, defaults.MaxFunctionBodySize));
    }

    /// <summary>Deploys <paramref name="module"/> on fresh VMs, with default and lifted limits; prints a row and returns the CPU milliseconds.</summary>
    private static double? Measure(string label, int n, byte[] module)
    {
        string verdict = Verdict(module);
        using var vm = VM.Ephemeral(Unlimited);
        using var session = vm.Session();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        try
        {
            session.Deploy(module, new ContractData(new byte[] { 1 }), 1_000_000);
        }
        catch (PiecrustException e)
        {
            Console.WriteLine($"| {label} | {n:N0} | {module.Length:N0} | — | — | refused by the engine: {e.Message} |");
            return null;
        }
        double wall = clock.Elapsed.TotalMilliseconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        Console.WriteLine($"| {label} | {n:N0} | {module.Length:N0} | {cpu:N0} | {wall:N0} | {verdict} |");
        return cpu;
    }

    /// <summary>"accepted", or the option that refuses the module under the default limits.</summary>
    private static string Verdict(byte[] module)
    {
        using var vm = VM.Ephemeral();
        using var session = vm.Session();
        try
        {
            session.Deploy(module, new ContractData(new byte[] { 1 }), 1_000_000);
            return "accepted";
        }
        catch (InvalidModuleException e)
        {
            int at = e.Message.IndexOf("VMOptions.", StringComparison.Ordinal);
            return at < 0 ? "refused: " + e.Message : "refused by " + e.Message[(at + "VMOptions.".Length)..].TrimEnd(')', '.');
        }
    }
}
