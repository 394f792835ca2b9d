namespace Piecrust.Bench;

/// <summary>
/// A directory shared by the host process and the benchmark processes BenchmarkDotNet starts for one
/// run: metrics written by a benchmark process (<see cref="Metrics"/>) and expensive fixtures built
/// once per run (the 4 GiB / 1M-contract store of <see cref="Storage.ProofBench"/>).
/// The host creates it and names it in <see cref="EnvironmentVariable"/>, which child processes
/// inherit; it is deleted when the run ends unless the caller set the variable (then it is kept, so
/// a fixed directory lets repeated runs reuse the fixtures).
/// </summary>
public sealed class BenchRun : IDisposable
{
    /// <summary>Names the run directory.</summary>
    public const string EnvironmentVariable = "PIECRUST_BENCH_RUN";

    private readonly string? _owned;

    private BenchRun(string? owned) => _owned = owned;

    /// <summary>The run directory (created on demand; a per-process temporary one when no host set it).</summary>
    public static string Directory
    {
        get
        {
            var directory = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrEmpty(directory))
            {
                directory = Path.Combine(Path.GetTempPath(), $"piecrust-bench-{Environment.ProcessId}");
                Environment.SetEnvironmentVariable(EnvironmentVariable, directory);
            }
            System.IO.Directory.CreateDirectory(directory);
            return directory;
        }
    }

    /// <summary>Called by the host before any benchmark starts.</summary>
    public static BenchRun Begin()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable))) return new BenchRun(null);
        var directory = Path.Combine(Path.GetTempPath(), "piecrust-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        Environment.SetEnvironmentVariable(EnvironmentVariable, directory);
        return new BenchRun(directory);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_owned is null) return;
        try { System.IO.Directory.Delete(_owned, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }
}
