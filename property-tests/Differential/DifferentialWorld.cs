using System.Text;

namespace Piecrust.PropertyTests.Differential;

/// <summary>
/// Two VMs, one per memory path, with the same genesis commit holding one of each contract kind
/// the differential property drives. Created once per test run (compiling is the slow part).
/// </summary>
internal sealed class DifferentialWorld
{
    public static readonly Lazy<DifferentialWorld> Instance = new(() => new DifferentialWorld());

    public static readonly string[] Names =
        ["counter", "counter64", "growth", "growth64", "crossoverX", "crossoverY", "callcenter", "eventer", "event_reverter", "spender", "stack", "fibonacci", "pastlen", "pastlen64"];

    private DifferentialWorld()
    {
        Plain = VM.Ephemeral(new VMOptions { Memory = MemoryPath.Plain });
        Mapped = VM.Ephemeral(new VMOptions { Memory = MemoryPath.Mapped });
        Ids = new ContractId[Names.Length];
        Hash? genesis = null;
        foreach (var vm in new[] { Plain, Mapped })
        {
            using var session = vm.Session();
            for (int i = 0; i < Names.Length; i++)
            {
                string file = Names[i].StartsWith("crossover", StringComparison.Ordinal) ? "crossover" : Names[i];
                Ids[i] = session.Deploy(TestContracts.Bytes(file),
                    new ContractData(new byte[] { 1, 2, 3 }, default, new ContractId(Hash.Of(Encoding.UTF8.GetBytes(Names[i])))), 10_000_000);
            }
            var root = session.Commit();
            if (genesis is { } other && other != root) throw new InvalidOperationException("The two memory paths disagree on the genesis root.");
            genesis = root;
        }
        Genesis = genesis!.Value;
    }

    public VM Plain { get; }
    public VM Mapped { get; }
    public ContractId[] Ids { get; }
    public Hash Genesis { get; }

    public ContractId Id(string name) => Ids[Array.IndexOf(Names, name)];
}
