using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Piecrust.Bench;

/// <summary>
/// Values a benchmark measures once rather than times (proof bytes, nodes staged, setup seconds),
/// shown as extra summary columns. BenchmarkDotNet runs each case in its own process while the
/// columns are computed in the host, so a case writes its values to files in <see cref="BenchRun.Directory"/>
/// (keyed by benchmark class and parameter values) and prints them to its log; the host's columns read them.
/// </summary>
public static class Metrics
{
    /// <summary>Name of the proof-size column.</summary>
    public const string ProofBytes = "ProofBytes";
    /// <summary>Name of the column of the page proofs a range proof replaces, their bytes together.</summary>
    public const string PageProofsBytes = "PageProofsBytes";
    /// <summary>Name of the nodes-staged column.</summary>
    public const string NodesStaged = "NodesStaged";
    /// <summary>Name of the objects-written column.</summary>
    public const string ObjectsWritten = "ObjectsWritten";
    /// <summary>Name of the bytes-written column.</summary>
    public const string BytesWritten = "BytesWritten";
    /// <summary>Name of the column of a commit's whole write batch, in bytes (<see cref="WriteStatistics.BatchBytes"/>).</summary>
    public const string BatchBytes = "BatchBytes";
    /// <summary>Name of the module-size-growth column (percent).</summary>
    public const string SizeGrowth = "SizeGrowth";

    /// <summary>Name of the open-descriptors column.</summary>
    public const string Descriptors = "Descriptors";
    /// <summary>Name of the memory-mappings column.</summary>
    public const string Mappings = "Mappings";
    /// <summary>Name of the image-bytes column.</summary>
    public const string ImageMiB = "ImageMiB";
    /// <summary>Name of the CPU-time-per-commit column.</summary>
    public const string CpuMsPerCommit = "CpuMsPerCommit";
    /// <summary>Name of the CPU-time-per-session column.</summary>
    public const string CpuUsPerSession = "CpuUsPerSession";

    /// <summary>The metric columns every summary shows (blank where a class records nothing).</summary>
    public static readonly IColumn[] Columns =
    [
        new MetricColumn(ProofBytes), new MetricColumn(PageProofsBytes), new MetricColumn(NodesStaged), new MetricColumn(ObjectsWritten),
        new MetricColumn(BytesWritten), new MetricColumn(BatchBytes), new MetricColumn(SizeGrowth),
        new MetricColumn(Descriptors), new MetricColumn(Mappings), new MetricColumn(ImageMiB),
        new MetricColumn(CpuMsPerCommit), new MetricColumn(CpuUsPerSession),
    ];

    /// <summary>Records <paramref name="value"/> for the case <paramref name="benchmark"/> (the benchmark class instance, after its [Params] are set).</summary>
    public static void Record(object benchmark, string name, double value)
    {
        string text = value.ToString("0.#", CultureInfo.InvariantCulture);
        File.WriteAllText(PathOf(TypeOf(benchmark).Name, KeyOf(benchmark), name), text);
        Console.WriteLine($"// metric {TypeOf(benchmark).Name}({KeyOf(benchmark)}) {name} = {text}");
    }

    /// <summary>Prints a note into the benchmark's log (setup timings and the like).</summary>
    public static void Note(object benchmark, string text) =>
        Console.WriteLine($"// note {TypeOf(benchmark).Name}({KeyOf(benchmark)}): {text}");

    // In a benchmark process the instance is BenchmarkDotNet's generated subclass of the benchmark class.
    private static Type TypeOf(object benchmark)
    {
        var type = benchmark.GetType();
        while (type.Assembly != typeof(Metrics).Assembly && type.BaseType is { } baseType) type = baseType;
        return type;
    }

    private static string KeyOf(object benchmark) =>
        string.Join(",", TypeOf(benchmark)
            .GetMembers(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<ParamsAttribute>() is not null || m.GetCustomAttribute<ParamsSourceAttribute>() is not null)
            .Select(m => (m.Name, Value: m switch
            {
                FieldInfo f => f.GetValue(benchmark),
                PropertyInfo p => p.GetValue(benchmark),
                _ => null,
            }))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    private static string KeyOf(BenchmarkCase benchmarkCase) =>
        string.Join(",", benchmarkCase.Parameters.Items
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    private static string PathOf(string type, string key, string name) =>
        Path.Combine(BenchRun.Directory, $"metric.{type}.{key}.{name}");

    private sealed class MetricColumn(string name) : IColumn
    {
        public string Id => "Metric." + name;
        public string ColumnName => name;
        public bool AlwaysShow => false;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => name switch
        {
            ProofBytes => "Serialized size of the proof, in bytes",
            PageProofsBytes => "Serialized size of one page proof per page of the range, together",
            NodesStaged => "Tree nodes staged by one update (mean over the change sets)",
            ObjectsWritten => "Objects (pages and nodes) the store wrote per commit",
            BytesWritten => "Bytes of keys and values one commit added to the store",
            SizeGrowth => "Growth of the module's bytes by the gas transform, in percent",
            Descriptors => "Descriptors the process had open after building the history",
            Mappings => "Memory mappings (/proc/self/maps lines) of the process after building the history",
            ImageMiB => "Disk space of the store's memory image files after building the history, in MiB",
            CpuMsPerCommit => "Process CPU time per commit over the last 500 commits of the history, in ms",
            CpuUsPerSession => "Process CPU time per session (open, first call, close) over 500 sessions after the history, in µs",
            _ => name,
        };

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            Read(benchmarkCase) ?? "-";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => Read(benchmarkCase) is null;

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Read(c) is not null);

        private string? Read(BenchmarkCase benchmarkCase)
        {
            var path = PathOf(benchmarkCase.Descriptor.Type.Name, KeyOf(benchmarkCase), name);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
    }
}
