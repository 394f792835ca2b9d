using System.Text;

namespace Piecrust.Tests.Engine;

/// <summary>A VM with one session, for tests that need just that.</summary>
internal sealed class SessionFixture : IDisposable
{
    public SessionFixture(VMOptions? options = null, SessionData? data = null)
    {
        Vm = TestVM.Ephemeral(options);
        Session = Vm.Session(data);
    }

    public VM Vm { get; }
    public Session Session { get; }

    public ContractId Deploy(string name, byte[]? initArg = null, byte[]? owner = null, ContractId? id = null) =>
        Session.Deploy(Contracts.Bytes(name), new ContractData(owner ?? Contracts.Owner, initArg ?? default, id), Contracts.Gas);

    public CallReceipt Call(ContractId id, string function, byte[]? arg = null, ulong gas = Contracts.Gas) =>
        Session.Call(id, function, arg ?? [], gas);

    /// <summary>An inter-contract call request as the test contracts read it: [id32][u32 name_len][name][arg].</summary>
    public static byte[] Request(ContractId id, string function, byte[]? arg = null)
    {
        var name = Encoding.UTF8.GetBytes(function);
        return Contracts.Cat(id.ToArray(), Contracts.Le((uint)name.Length), name, arg ?? []);
    }

    public void Dispose()
    {
        Session.Dispose();
        Vm.Dispose();
    }
}
