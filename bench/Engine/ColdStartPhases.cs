namespace Piecrust.Bench.Engine;

/// <summary>
/// Where a reopened VM's first call goes (a probe, not a BenchmarkDotNet benchmark):
/// <code>bench/bin/Release/net10.0/Bench cold-phases [REPS] [--cold]</code>
/// Each repetition opens <see cref="ColdStartBench"/>'s store with the default options (the VM warms
/// up the contract its store's last VM ran) and times its first session — open, first call, a second
/// call, close — then two more sessions on the same VM (warm), then one more after touching 64 MiB of
/// unrelated memory (warm code and state, cold CPU caches, as after an open), and prints medians.
/// With <c>--cold</c>, it times ColdStartBench's cold first call instead (a VM opened without warm-up:
/// the memory's image is built from the store), REPS times, and prints the median.
/// </summary>
public static class ColdStartPhases
{
    private static readonly byte[] Unrelated = new byte[64 << 20];

    /// <summary>Runs the probe; REPS defaults to 40.</summary>
    public static int Run(string[] args)
    {
        int reps = args.Length > 0 && int.TryParse(args[0], out int given) ? given : 40;
        if (args.Contains("--cold")) return Cold(reps);
        var bench = new ColdStartBench { MemoryMiB = 1, Path = MemoryPath.Mapped };
        bench.Setup();
        try
        {
            var first = new List<(double, double, double, double)>();
            var warm = new List<(double, double, double, double)>();
            var cacheCold = new List<(double, double, double, double)>();
            for (int r = 0; r < reps; r++)
            {
                bench.OpenReopened();
                first.Add(bench.Phases());
                warm.Add(bench.Phases());
                warm.Add(bench.Phases());
                TouchUnrelated();
                cacheCold.Add(bench.Phases());
                bench.Close();
            }
            Print("first session of a reopened VM", first);
            Print("later sessions (warm)", warm);
            Print("a later session after 64 MiB touched", cacheCold);
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    // The cold first call alone, timed around ColdStartBench's benchmark method.
    private static int Cold(int reps)
    {
        var bench = new ColdStartBench { MemoryMiB = 1, Path = MemoryPath.Mapped };
        bench.Setup();
        try
        {
            var times = new List<double>();
            for (int r = 0; r < reps; r++)
            {
                bench.OpenCold();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                bench.ColdFirstCall();
                times.Add(watch.Elapsed.TotalMicroseconds);
                bench.Close();
            }
            Console.WriteLine($"cold first call: median {times.Order().ElementAt(times.Count / 2):0} µs of {reps}");
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    private static void TouchUnrelated()
    {
        for (int i = 0; i < Unrelated.Length; i += 64) Unrelated[i]++;
    }

    private static void Print(string label, List<(double Open, double FirstCall, double SecondCall, double Close)> runs)
    {
        double Median(Func<(double Open, double FirstCall, double SecondCall, double Close), double> part) =>
            runs.Select(part).Order().ElementAt(runs.Count / 2);
        Console.WriteLine($"{label}: open {Median(r => r.Open):0.0} µs, first call {Median(r => r.FirstCall):0.0} µs, "
            + $"second call {Median(r => r.SecondCall):0.0} µs, close {Median(r => r.Close):0.0} µs; "
            + $"open + first call + close {Median(r => r.Open + r.FirstCall + r.Close):0.0} µs");
    }
}
