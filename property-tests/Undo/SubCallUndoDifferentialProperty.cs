using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Piecrust.PropertyTests.Undo;

/// <summary>
/// Undoing failed sub-calls in place gives exactly what re-executing the top-level call gives, on
/// both memory paths: for random call trees over three contracts (re-entrant ones included) with
/// writes, growth, events, debug lines, fed items and failures (panic, trap, out of gas) at random
/// depths, the same results, errors, gas, events, call trees, fed items, debug log and commit root.
/// </summary>
public sealed class SubCallUndoDifferentialProperty
{
    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property In_place_undo_agrees_with_re_execution() =>
        Prop.ForAll(TreeGenerators.Calls(), calls =>
        {
            var world = SubCallWorld.Instance.Value;
            var runs = world.VMs.Select(v => (v.Path, v.Mode, v.Vm, Result: SubCallTranscript.Run(v.Vm, world.Genesis, calls))).ToArray();
            try
            {
                var reference = runs[0];
                var disagreement = runs.Skip(1).FirstOrDefault(r => r.Result.Transcript != reference.Result.Transcript);
                string label = disagreement.Vm is null
                    ? "agreed"
                    : $"{reference.Path}/{reference.Mode}:\n{reference.Result.Transcript}\n{disagreement.Path}/{disagreement.Mode}:\n{disagreement.Result.Transcript}";
                return (disagreement.Vm is null).Label(label);
            }
            finally
            {
                foreach (var run in runs)
                    if (run.Result.Root != world.Genesis) run.Vm.DeleteCommit(run.Result.Root);
            }
        });
}
