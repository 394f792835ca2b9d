using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Piecrust.Bench;

/// <summary>
/// The configuration every benchmark runs with: a short job sized for a 2-core machine (one launch,
/// 3 warm-up and 5 measured iterations of ~0.5 s), ratios against the baseline of each category,
/// the categories column and the columns of <see cref="Metrics"/> (proof size, nodes staged, …).
/// </summary>
public static class BenchConfig
{
    /// <summary>Builds the configuration.</summary>
    public static IConfig Create() =>
        ManualConfig.Create(DefaultConfig.Instance)
            // A loaded 2-core machine can take longer than the default 2 minutes to build the benchmark project.
            .WithBuildTimeout(TimeSpan.FromMinutes(10))
            .AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(5).WithId("Short"))
            .AddColumn(CategoriesColumn.Default)
            .AddColumn(Metrics.Columns)
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
}
