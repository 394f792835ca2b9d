using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// The token contract BlockBench runs (balances in a hash table over 16 MiB): it must keep its
/// books exactly, refuse overdrafts without a trace, and keep its own transfer when the sub-call
/// to another token fails.
/// </summary>
public sealed class TokenContractTests
{
    private const int Accounts = 1_000;

    private static byte[] Transfer(ulong from, ulong to, ulong amount) => Contracts.Cat(Contracts.Le(from), Contracts.Le(to), Contracts.Le(amount));

    private static ulong Balance(Session session, ContractId token, ulong account) =>
        BitConverter.ToUInt64(session.Call(token, "balance", Contracts.Le(account), Contracts.Gas).Data);

    [Theory]
    [InlineData("token")]
    [InlineData("token64")]
    public void Transfers_conserve_supply_and_survive_a_commit(string contract)
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var token = Contracts.Deploy(session, contract);
        for (ulong a = 0; a < Accounts; a++)
            session.Call(token, "mint", Contracts.Cat(Contracts.Le(a), Contracts.Le(1_000 + a)), Contracts.Gas);
        Assert.True(session.MemoryLength(token) >= 16UL << 20, "the balance table spans 16 MiB");

        // Each account i pays i % 7 + 1 to account (i * 31 + 5) % Accounts: every balance changes
        // by a known sum, computed here independently of the contract.
        var expected = new ulong[Accounts];
        for (ulong a = 0; a < Accounts; a++) expected[a] = 1_000 + a;
        for (ulong a = 0; a < Accounts; a++)
        {
            ulong to = (a * 31 + 5) % Accounts, amount = a % 7 + 1;
            session.Call(token, "transfer", Transfer(a, to, amount), Contracts.Gas);
            expected[a] -= amount;
            expected[to] += amount;
        }

        var root = session.Commit();
        using var reopened = vm.Session(new SessionData { Base = root });
        ulong supply = 0;
        for (ulong a = 0; a < Accounts; a++)
        {
            var balance = Balance(reopened, token, a);
            Assert.Equal(expected[a], balance);
            supply += balance;
        }
        ulong minted = 0;
        for (ulong a = 0; a < Accounts; a++) minted += 1_000 + a;
        Assert.Equal(minted, supply);
        Assert.Equal(0UL, Balance(reopened, token, Accounts + 1));
    }

    [Fact]
    public void An_overdraft_panics_and_changes_nothing()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var token = Contracts.Deploy(session, "token");
        session.Call(token, "mint", Contracts.Cat(Contracts.Le(1UL), Contracts.Le(50UL)), Contracts.Gas);
        var root = session.Root;

        var failure = Assert.Throws<ContractPanicException>(() => session.Call(token, "transfer", Transfer(1, 2, 51), Contracts.Gas));
        Assert.Equal("insufficient balance", failure.PanicMessage);
        Assert.Equal(root, session.Root);
        Assert.Equal(50UL, Balance(session, token, 1));
        Assert.Equal(0UL, Balance(session, token, 2));
    }

    [Fact]
    public void A_failed_forward_keeps_the_callers_own_transfer()
    {
        using var vm = TestVM.Ephemeral();
        using var session = vm.Session();
        var here = Contracts.Deploy(session, "token");
        var other = session.Deploy(Contracts.Bytes("token"), new ContractData(Contracts.Owner, Id: ContractId.FromBytes(Enumerable.Repeat((byte)0xAB, 32).ToArray())), Contracts.Gas);
        session.Call(here, "mint", Contracts.Cat(Contracts.Le(7UL), Contracts.Le(100UL)), Contracts.Gas);
        session.Call(other, "mint", Contracts.Cat(Contracts.Le(7UL), Contracts.Le(10UL)), Contracts.Gas);

        // 40 is more than account 7 holds in `other`: the sub-call panics, the forward reports it.
        var receipt = session.Call(here, "transfer_and_forward", Contracts.Cat(other.ToArray(), Transfer(7, 8, 40)), Contracts.Gas);
        Assert.Equal(-1, BitConverter.ToInt32(receipt.Data));
        Assert.Equal(60UL, Balance(session, here, 7));
        Assert.Equal(40UL, Balance(session, here, 8));
        Assert.Equal(10UL, Balance(session, other, 7));
        Assert.Equal(0UL, Balance(session, other, 8));

        // 5 is affordable there: both transfers stand.
        receipt = session.Call(here, "transfer_and_forward", Contracts.Cat(other.ToArray(), Transfer(7, 8, 5)), Contracts.Gas);
        Assert.Equal(0, BitConverter.ToInt32(receipt.Data));
        Assert.Equal(55UL, Balance(session, here, 7));
        Assert.Equal(5UL, Balance(session, other, 7));
        Assert.Equal(5UL, Balance(session, other, 8));
    }
}
