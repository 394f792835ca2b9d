using System.Collections.Immutable;
using FsCheck;
using FsCheck.Experimental;
using FsCheck.Fluent;
using Piecrust.PropertyTests.Model;

namespace Piecrust.PropertyTests.Machine;

/// <summary>
/// The model-based test: each run picks a history mode, a memory path and a few slots, then a random sequence of
/// operations (<see cref="Generators"/>), applied to the pure model and to a real VM on disk.
/// </summary>
internal sealed class VmMachine : Machine<VmUnderTest, VmModel>, IDisposable
{
    private readonly Statistics _statistics = new();
    private readonly VmPool _pool;
    private readonly int _restartWeight;
    private int _runs;

    public VmMachine(int restartWeight)
    {
        _pool = new VmPool(_statistics);
        _restartWeight = restartWeight;
    }

    /// <summary>VMs opened on fresh directories.</summary>
    public int Opened => _pool.Opened;

    public long Operations => _statistics.Operations;

    public IEnumerable<string> Report() => _statistics.Report();

    public void Dispose() => _pool.Dispose();

    /// <summary>Sequences run so far, shrinking attempts included.</summary>
    public int Runs => _runs;

    public override Arbitrary<Setup<VmUnderTest, VmModel>> Setup =>
        Gen.Elements(VmConfig.All)
            .SelectMany(_ => SlotSet(), (config, slots) => (Setup<VmUnderTest, VmModel>)new VmSetup(this, config, slots))
            .ToArbitrary();

    public override TearDown<VmUnderTest> TearDown => new PoolTearDown(_pool);

    public override Gen<Operation<VmUnderTest, VmModel>> Next(VmModel model) =>
        Generators.Next(model, _restartWeight).Select(op => (Operation<VmUnderTest, VmModel>)op);

    /// <summary>Two to five slots, with both halves of a crossover pair.</summary>
    private static Gen<ImmutableArray<string>> SlotSet() =>
        Gen.Choose(2, 5).SelectMany(n => Gen.Shuffle(Slot.All.Select(s => s.Name)), (n, all) =>
        {
            var chosen = all.Take(n).ToList();
            foreach (var name in chosen.ToArray())
                if (Slot.Get(name).Partner is { } partner && !chosen.Contains(partner)) chosen.Add(partner);
            return chosen.Order(StringComparer.Ordinal).ToImmutableArray();
        });

    private sealed class VmSetup(VmMachine machine, VmConfig config, ImmutableArray<string> slots) : Setup<VmUnderTest, VmModel>
    {
        public override VmUnderTest Actual()
        {
            Interlocked.Increment(ref machine._runs);
            return machine.TakeVm(config);
        }

        public override VmModel Model() => new() { Mode = config.Mode, Slots = slots };

        public override string ToString() => $"Setup({config}; slots {string.Join(" ", slots)})";
    }

    private VmUnderTest TakeVm(VmConfig config)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var vm = _pool.Take(config);
        _statistics.Executed("(setup)", System.Diagnostics.Stopwatch.GetElapsedTime(start));
        if (vm.Vm.Commits.Count != 0 || vm.Vm.FinalizedCommit is not null)
            throw new InvalidOperationException("a pooled VM still has commits");
        return vm;
    }

    private sealed class PoolTearDown(VmPool pool) : TearDown<VmUnderTest>
    {
        public override void Actual(VmUnderTest actual)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            pool.Return(actual);
            actual.Statistics.Executed("(teardown)", System.Diagnostics.Stopwatch.GetElapsedTime(start));
        }

        public override string ToString() => "Return the VM to the pool";
    }
}
