using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;

namespace Piecrust.Tests.Maintenance;

/// <summary>A store directory holding the counter contract, incremented once and committed (value 0xfd).</summary>
internal sealed class CounterState : IDisposable
{
    public CounterState(int increments = 1, bool secondCommit = false)
    {
        Directory = Storage.StoreFixture.TempDirectory();
        using var vm = VM.Open(Directory, new VMOptions { Durable = false });
        using var session = vm.Session();
        Contract = Contracts.Deploy(session, "counter");
        for (int i = 0; i < increments; i++) session.Call(Contract, "increment", [], Contracts.Gas);
        Root = session.Commit();
        if (secondCommit)
        {
            session.Call(Contract, "increment", [], Contracts.Gas);
            SecondRoot = session.Commit();
        }
        Bytecode = Hash.Of(Contracts.Bytes("counter"));
    }

    public string Directory { get; }
    public ContractId Contract { get; }
    public Hash Root { get; }
    public Hash? SecondRoot { get; }
    public Hash Bytecode { get; }

    /// <summary>Keys of one kind stored in the (closed) store.</summary>
    public List<Hash> Keys(ObjectKind kind)
    {
        using var store = MerkleIndex.OpenStore(Directory);
        return store.Keys(kind).ToList();
    }

    public static ulong ReadCounter(VM vm, Hash root, ContractId contract)
    {
        using var session = vm.Session(new SessionData { Base = root });
        return BitConverter.ToUInt64(session.Call(contract, "read_value", [], Contracts.Gas).Data);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
