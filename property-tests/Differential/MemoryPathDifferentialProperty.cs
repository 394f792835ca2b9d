using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Piecrust.PropertyTests.Differential;

/// <summary>
/// The mapped memory path and the plain reference path give identical results, gas, events, errors
/// and roots for random call sequences: writes, growth, panics, out of gas, nested failures with
/// re-entrant writes, loads, stores, copies and fills past the length (which persist, and which a
/// later growth exposes) and at the maximum size (which trap), commits, and new sessions on earlier roots.
/// </summary>
public sealed class MemoryPathDifferentialProperty
{
    [Property(MaxTest = 1000, QuietOnSuccess = true)]
    public Property Both_memory_paths_agree_on_every_outcome_and_root() =>
        Prop.ForAll(OperationGenerators.Sequences(), operations =>
        {
            var run = new DifferentialRun(DifferentialWorld.Instance.Value);
            try
            {
                string? disagreement = run.Execute(operations);
                return (disagreement is null).Label(disagreement ?? "agreed");
            }
            finally
            {
                run.Dispose();
            }
        });
}
