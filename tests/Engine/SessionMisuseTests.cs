using System.Reflection;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// A session serves one operation at a time. Every public member used while another runs, from
/// another thread or from a callback inside a running call, throws <see cref="SessionBusyException"/>
/// and changes nothing; the running operation finishes as if alone.
/// </summary>
public sealed class SessionMisuseTests
{
    private static readonly ContractId Spare = new(Hash.Of("spare"u8));

    /// <summary>Every public member of <see cref="Session"/>, used with arguments that would work on an idle session.</summary>
    private static readonly (string Name, Action<Session, ContractId> Use)[] Members =
    [
        ("Call", (s, c) => s.Call(c, "increment", [], Contracts.Gas)),
        ("FeederCall", (s, c) => s.FeederCall(c, "read_value", [], Contracts.Gas, _ => { })),
        ("Deploy", (s, _) => s.Deploy(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, Spare), Contracts.Gas)),
        ("DeployWithReceipt", (s, _) => s.DeployWithReceipt(Contracts.Bytes("counter"), new ContractData(Contracts.Owner, default, Spare), Contracts.Gas)),
        ("Commit", (s, _) => s.Commit()),
        ("Root", (s, c) => _ = s.Root),
        ("Base", (s, c) => _ = s.Base),
        ("DebugLog", (s, c) => _ = s.DebugLog),
        ("MemoryLength", (s, c) => s.MemoryLength(c)),
        ("ContractMetadata", (s, c) => s.ContractMetadata(c)),
        ("GetMeta", (s, _) => s.GetMeta("key")),
        ("SetMeta", (s, _) => s.SetMeta("key", [1])),
        ("RemoveMeta", (s, _) => s.RemoveMeta("key")),
        ("Migrate", (s, c) => s.Migrate(c, Contracts.Bytes("counter"))),
        ("ReadPage", (s, c) => s.ReadPage(c, 0)),
        ("ProvePage", (s, c) => s.ProvePage(c, 0)),
        ("ProveAbsence", (s, _) => s.ProveAbsence(Spare)),
        ("ProveRange", (s, c) => s.ProveRange(c, 0, 8)),
        ("ProveRanges", (s, c) => s.ProveRanges([new global::Piecrust.Merkle.MemoryRange(c, 0, 8)])),
        ("SetCallHook", (s, _) => s.SetCallHook(_ => null)),
        ("ClearCallHook", (s, _) => s.ClearCallHook()),
        ("MemoryPages", (s, c) => s.MemoryPages(c).ToArray()),
        ("Dispose", (s, _) => s.Dispose()),
    ];

    public static TheoryData<string> MemberNames => new(Members.Select(m => m.Name));

    [Fact]
    public void The_list_of_members_covers_the_public_API_of_Session()
    {
        var members = typeof(Session).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m is PropertyInfo || m is MethodInfo { IsSpecialName: false })
            .Select(m => m.Name)
            .ToHashSet();
        Assert.Equal(members.Order(), Members.Select(m => m.Name).Order());
    }

    [Fact]
    public void Every_member_is_refused_while_a_call_runs_on_another_thread_and_the_call_finishes_unharmed()
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var feeder = f.Deploy("feeder");
        f.Call(counter, "increment");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var items = new List<byte[]>();
        CallReceipt? receipt = null;
        var caller = new Thread(() => receipt = f.Session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, item =>
        {
            items.Add(item.ToArray());
            inside.Set();
            release.Wait();
        }));
        caller.Start();
        Assert.True(inside.Wait(TimeSpan.FromMinutes(1)), "the call never reached its feeder");

        foreach (var (name, use) in Members)
        {
            var error = Assert.Throws<SessionBusyException>(() => use(f.Session, counter));
            Assert.Equal((name, "FeederCall", caller.ManagedThreadId), (error.Operation, error.BusyWith, error.OwnerThread));
        }
        release.Set();
        caller.Join();

        Assert.NotNull(receipt);
        Assert.Equal([Contracts.Le(0u), Contracts.Le(1u), Contracts.Le(2u)], items);
        // No refused member changed anything: the state is what the successful operations alone make.
        using (var twin = new SessionFixture())
        {
            twin.Deploy("counter");
            twin.Deploy("feeder");
            twin.Call(counter, "increment");
            twin.Session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, _ => { });
            Assert.Equal(twin.Session.Root, f.Session.Root);
        }
        Assert.Null(f.Session.GetMeta("key"));
        Assert.Equal(0xfdUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
        f.Call(counter, "increment");
        var committed = f.Session.Commit();
        using var reopened = f.Vm.Session(new SessionData { Base = committed });
        Assert.Equal(0xfeUL, BitConverter.ToUInt64(reopened.Call(counter, "read_value", [], Contracts.Gas).Data));
    }

    [Theory]
    [MemberData(nameof(MemberNames))]
    public void A_feeder_callback_that_uses_its_session_fails_the_call_typed_and_changes_nothing(string member)
    {
        using var f = new SessionFixture();
        var counter = f.Deploy("counter");
        var feeder = f.Deploy("feeder");
        f.Session.SetMeta("key", [7]);
        var root = f.Session.Root;
        var use = Members.Single(m => m.Name == member).Use;

        var error = Assert.Throws<SessionBusyException>(() =>
            f.Session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, _ => use(f.Session, counter)));

        Assert.Equal((member, "FeederCall"), (error.Operation, error.BusyWith));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal([7], f.Session.GetMeta("key"));
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
        Assert.Equal(3, CountFeeds(f.Session, feeder));
    }

    [Fact]
    public void A_host_query_that_uses_the_session_fails_the_call_typed_and_changes_nothing()
    {
        using var f = new SessionFixture();
        var query = new ReenteringQuery();
        f.Vm.RegisterHostQuery("reenter", query);
        var host = f.Deploy("host");
        var counter = f.Deploy("counter");
        query.Session = f.Session;
        query.Counter = counter;
        var root = f.Session.Root;
        var name = "reenter"u8.ToArray();
        var error = Assert.Throws<SessionBusyException>(() => f.Call(host, "host_query", Contracts.Cat(Contracts.Le((uint)name.Length), name)));
        Assert.Equal(("Call", "Call"), (error.Operation, error.BusyWith));
        Assert.Equal(root, f.Session.Root);
        Assert.Equal(0xfcUL, BitConverter.ToUInt64(f.Call(counter, "read_value").Data));
    }

    [Fact]
    public void Dispose_racing_a_call_is_refused_and_the_session_lives_on()
    {
        using var f = new SessionFixture();
        var feeder = f.Deploy("feeder");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var caller = new Thread(() => f.Session.FeederCall(feeder, "feed_num", Contracts.Le(1u), Contracts.Gas, _ =>
        {
            inside.Set();
            release.Wait();
        }));
        caller.Start();
        Assert.True(inside.Wait(TimeSpan.FromMinutes(1)), "the call never reached its feeder");
        var error = Assert.Throws<SessionBusyException>(f.Session.Dispose);
        release.Set();
        caller.Join();
        Assert.Equal(("Dispose", "FeederCall"), (error.Operation, error.BusyWith));
        Assert.Equal(3, CountFeeds(f.Session, feeder)); // still usable
        f.Session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Session.Root);
        f.Session.Dispose(); // twice is fine
    }

    private static int CountFeeds(Session session, ContractId feeder)
    {
        int count = 0;
        session.FeederCall(feeder, "feed_num", Contracts.Le(3u), Contracts.Gas, _ => count++);
        return count;
    }

    /// <summary>A host query that calls back into the session running it.</summary>
    private sealed class ReenteringQuery : IHostQuery
    {
        public Session? Session { get; set; }
        public ContractId Counter { get; set; }

        public ulong Price(ReadOnlySpan<byte> arg) => 0;

        public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
        {
            Session!.Call(Counter, "increment", [], Contracts.Gas);
            return 0;
        }
    }
}
