using System.Diagnostics;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Where a <see cref="BlockBench"/> block's time goes (not a BenchmarkDotNet benchmark: a probe for
/// finding the next cost to cut). Run:
/// <code>dotnet run -c Release --project bench/Bench.csproj -- block-phases [N] [STATE] [BLOCKS] [--types]</code>
/// It builds BlockBench's state, then runs BLOCKS engine blocks, each followed by a raw one, timing
/// the engine's session open, its first round of calls (one per active contract), the other calls
/// and the commit apart, then the raw batch again into a memtable like the store's nodes column
/// (<see cref="BlockBench.RawBatchSmallMemtable"/>), and prints each block and the medians; with <c>--types</c>, also the types
/// the engine blocks allocated most after the first few (<see cref="AllocationSampler"/>).
/// </summary>
public static class BlockPhases
{
    private const int WarmBlocks = 3; // not sampled with --types

    /// <summary>Runs the probe; arguments as in the class summary (defaults 1,000 calls, 1,000 contracts, 10 blocks).</summary>
    public static int Run(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 1_000;
        int state = args.Length > 1 ? int.Parse(args[1]) : 1_000;
        int blocks = args.Length > 2 ? int.Parse(args[2]) : 10;
        var bench = new BlockBench { N = n, StateContracts = state, Path = MemoryPath.Mapped };
        bench.Setup();
        using var sampler = args.Contains("--types") ? new AllocationSampler() : null;
        try
        {
            var engine = new List<double>();
            var commit = new List<double>();
            var raw = new List<double>();
            var rawSmall = new List<double>();
            for (int b = 0; b < blocks; b++)
            {
                int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
                var paused = GC.GetTotalPauseDuration();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                if (sampler is not null) sampler.On = b >= WarmBlocks;
                var (open, first, calls, made, callBytes, commitBytes) = bench.EngineBlockPhases();
                if (sampler is not null) sampler.On = false;
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                gen0 = GC.CollectionCount(0) - gen0;
                gen2 = GC.CollectionCount(2) - gen2;
                paused = GC.GetTotalPauseDuration() - paused;
                var watch = Stopwatch.StartNew();
                bench.RawCalls();
                double rawCalls = watch.Elapsed.TotalMilliseconds;
                bench.RawBatch();
                double r = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                bench.RawBatchSmallMemtable();
                double small = rawCalls + watch.Elapsed.TotalMilliseconds;
                rawSmall.Add(small);
                double total = open + first + calls + made;
                engine.Add(total);
                commit.Add(made);
                raw.Add(r);
                Console.WriteLine($"block {b}: open {open:0.00} ms, first round {first:0.0} ms, other calls {calls:0.0} ms, commit {made:0.0} ms, "
                    + $"engine {total:0.0} ms, raw {r:0.0} ms (calls {rawCalls:0.0} ms; {small:0.0} ms with the small memtable), {allocated / 1e6:0.0} MB allocated on this thread ({callBytes / 1e6:0.0} MB by the calls, {commitBytes / 1e6:0.0} MB by the commit on all threads), {gen0} gen-0 and {gen2} gen-2 collections, {paused.TotalMilliseconds:0.0} ms paused");
            }
            if (sampler is not null)
                foreach (var (type, samples) in sampler.Top(30)) Console.WriteLine($"allocated {samples * 100 / Math.Max(1, blocks - WarmBlocks)} KB a block: {type}");
            Console.WriteLine($"median: engine {Median(engine):0.0} ms, commit {Median(commit):0.0} ms, raw {Median(raw):0.0} ms, raw with the small memtable {Median(rawSmall):0.0} ms; "
                + $"median per-block ratios from block {SteadyFrom} on: {MedianRatio(engine, raw, SteadyFrom):0.00} and {MedianRatio(engine, rawSmall, SteadyFrom):0.00}");
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private const int SteadyFrom = 20; // the tiered JIT recompiles the block code for ~20 blocks

    private static double MedianRatio(List<double> engine, List<double> raw, int from) =>
        engine.Count <= from ? double.NaN : Median([.. engine.Skip(from).Zip(raw.Skip(from), (e, r) => e / r)]);
}
