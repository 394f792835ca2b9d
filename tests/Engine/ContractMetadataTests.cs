using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary><see cref="Session.ContractMetadata"/>: the id and owner of a contract in the session's current state.</summary>
public sealed class ContractMetadataTests
{
    [Fact]
    public void It_gives_the_id_and_owner_of_deployed_and_committed_contracts_and_null_for_others()
    {
        using var f = new SessionFixture();
        byte[] owner = Enumerable.Range(0, 40).Select(i => (byte)(i * 3)).ToArray();
        var id = f.Deploy("counter", owner: owner);

        var metadata = f.Session.ContractMetadata(id);
        Assert.NotNull(metadata);
        Assert.Equal(id, metadata.Id);
        Assert.Equal(owner, metadata.Owner);
        metadata.Owner[0] ^= 0xff; // a copy: changing it changes nothing
        Assert.Equal(owner, f.Session.ContractMetadata(id)!.Owner);

        var absent = new ContractId(Hash.Of("absent"u8));
        Assert.Null(f.Session.ContractMetadata(absent));

        // From a committed base, in a new session, without running the contract.
        var root = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = root });
        Assert.Equal(owner, next.ContractMetadata(id)!.Owner);
        Assert.Null(next.ContractMetadata(absent));

        // A contract whose init failed was never deployed.
        Assert.Throws<ContractPanicException>(() => next.Deploy(Contracts.Bytes("initializer"), new ContractData(owner), Contracts.Gas));
        Assert.Null(next.ContractMetadata(new ContractId(Hash.Of(Contracts.Bytes("initializer")))));
    }

    [Fact]
    public void An_empty_owner_is_an_empty_array_and_a_migration_keeps_the_owner()
    {
        using var f = new SessionFixture();
        var id = f.Deploy("counter", owner: []);
        Assert.Empty(f.Session.ContractMetadata(id)!.Owner);
        var box = f.Deploy("box", owner: [5]);
        f.Session.Migrate(box, Contracts.Bytes("box"));
        Assert.Equal(new byte[] { 5 }, f.Session.ContractMetadata(box)!.Owner);
    }

    [Fact]
    public void A_migration_given_an_owner_sets_it_as_piecrust_does_and_it_is_committed()
    {
        using var f = new SessionFixture();
        var box = f.Deploy("box", owner: [5]);
        var before = f.Session.Root;
        Assert.Throws<InvalidArgumentException>(() => f.Session.Migrate(box, Contracts.Bytes("box"), new byte[ushort.MaxValue + 1]));
        Assert.Equal(before, f.Session.Root);

        f.Session.Migrate(box, Contracts.Bytes("box"), new byte[] { 6, 7 });
        Assert.Equal(new byte[] { 6, 7 }, f.Session.ContractMetadata(box)!.Owner);
        Assert.NotEqual(before, f.Session.Root);
        var root = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = root });
        Assert.Equal(new byte[] { 6, 7 }, next.ContractMetadata(box)!.Owner);
    }

    [Fact]
    public void After_a_migration_the_contract_itself_sees_the_inherited_or_given_owner_through_the_owner_import()
    {
        using var f = new SessionFixture();
        var id = f.Deploy("metadata", owner: [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, f.Call(id, "read_owner").Data); // its instance is live now

        f.Session.Migrate(id, Contracts.Bytes("metadata"));
        Assert.Equal(new byte[] { 1, 2, 3 }, f.Call(id, "read_owner").Data); // none given: the old contract's

        f.Session.Migrate(id, Contracts.Bytes("metadata"), new byte[] { 9 });
        Assert.Equal(new byte[] { 9 }, f.Call(id, "read_owner").Data);
        var root = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = root });
        Assert.Equal(new byte[] { 9 }, next.Call(id, "read_owner", [], Contracts.Gas).Data);

        // No such contract: refused typed (piecrust panics when no owner is given), nothing changes.
        var before = next.Root;
        var nobody = new ContractId(Hash.Of("nobody"u8));
        Assert.Throws<ContractNotFoundException>(() => next.Migrate(nobody, Contracts.Bytes("metadata")));
        Assert.Equal(before, next.Root);
    }
}
