using System.Diagnostics;
using FsCheck;
using FsCheck.Experimental;
using Piecrust.PropertyTests.Machine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.PropertyTests;

/// <summary>
/// The VM against its pure model over random operation sequences (see <see cref="VmMachine"/>).
/// Two test classes run the same property with different random seeds so that xunit runs them on
/// both cores. By default (CI) each runs <see cref="CiRuns"/> sequences of up to <see cref="CiLength"/>
/// operations (FsCheck's size grows from 1 to that over the run, so the mean is about half):
/// 2 × 1,000 sequences. Environment:
/// <c>PIECRUST_MODEL_RUNS</c> total sequences over both (e.g. 100000 for a long run),
/// <c>PIECRUST_MODEL_LENGTH</c> the longest sequence,
/// <c>PIECRUST_MODEL_REPLAY="seed,gamma"</c> replays the run FsCheck reported as failing.
/// </summary>
public abstract class ModelBasedTests(ITestOutputHelper output)
{
    private const int CiRuns = 2000;
    private const int CiLength = 24;

    /// <summary>Restart weight out of ~600 (see <see cref="Generators.Next"/>): about one restart in 300 operations.</summary>
    private const int RestartWeight = 1;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;

    [Fact]
    public void The_vm_agrees_with_its_model()
    {
        int runs = (Setting("PIECRUST_MODEL_RUNS", CiRuns) + 1) / 2;
        int length = Setting("PIECRUST_MODEL_LENGTH", CiLength);
        using var machine = new VmMachine(RestartWeight);
        var config = Config.QuickThrowOnFailure.WithMaxTest(runs).WithEndSize(length).WithQuietOnSuccess(true);
        if (Environment.GetEnvironmentVariable("PIECRUST_MODEL_REPLAY") is { Length: > 0 } replay)
        {
            var parts = replay.Split(',', StringSplitOptions.TrimEntries);
            config = config.WithReplay(new Replay(new Rnd(ulong.Parse(parts[0]), ulong.Parse(parts[1])), null));
        }
        var clock = Stopwatch.StartNew();
        Check.One(config, machine.ToProperty());
        output.WriteLine($"{machine.Runs} sequences of 1..{length} operations, {machine.Operations} operations checked, {machine.Opened} VMs opened, {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var line in machine.Report()) output.WriteLine(line);
        Assert.True(machine.Runs >= runs, $"only {machine.Runs} of {runs} sequences ran");
    }
}

/// <summary>First half of the model-based runs.</summary>
public sealed class ModelBasedTestsA(ITestOutputHelper output) : ModelBasedTests(output);

/// <summary>Second half of the model-based runs (another seed, another core).</summary>
public sealed class ModelBasedTestsB(ITestOutputHelper output) : ModelBasedTests(output);
