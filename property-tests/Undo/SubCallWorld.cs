using System.Text;
using Piecrust.Execution;
using Piecrust.PropertyTests.Differential;

namespace Piecrust.PropertyTests.Undo;

/// <summary>
/// One VM per memory path and way of undoing a failed sub-call, each with the same genesis: three
/// calltree contracts (two 32-bit, one 64-bit). Created once per test run.
/// </summary>
internal sealed class SubCallWorld
{
    public static readonly Lazy<SubCallWorld> Instance = new(() => new SubCallWorld());

    public static readonly SubCallUndo[] Modes = [SubCallUndo.Reexecute, SubCallUndo.InPlace, SubCallUndo.OnDemand];
    public static readonly MemoryPath[] Paths = [MemoryPath.Plain, MemoryPath.Mapped];

    private SubCallWorld()
    {
        string[] files = ["calltree", "calltree", "calltree64"];
        Trees = files.Select((_, i) => new ContractId(Hash.Of(Encoding.UTF8.GetBytes($"tree{i}")))).ToArray();
        var vms = new List<(MemoryPath, SubCallUndo, VM)>();
        Hash? genesis = null;
        foreach (var path in Paths)
            foreach (var mode in Modes)
            {
                var vm = VM.Ephemeral(new VMOptions { Memory = path, SubCallUndo = mode });
                using var session = vm.Session();
                for (int i = 0; i < files.Length; i++)
                    session.Deploy(TestContracts.Bytes(files[i]), new ContractData(new byte[] { 7 }, default, Trees[i]), 10_000_000);
                var root = session.Commit();
                if (genesis is { } other && other != root) throw new InvalidOperationException("The VMs disagree on the genesis root.");
                genesis = root;
                vms.Add((path, mode, vm));
            }
        VMs = vms;
        Genesis = genesis!.Value;
    }

    public ContractId[] Trees { get; }
    public IReadOnlyList<(MemoryPath Path, SubCallUndo Mode, VM Vm)> VMs { get; }
    public Hash Genesis { get; }
}
