using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Isolation;

/// <summary>
/// A contract reaches only its own linear memory: accesses past its maximum size trap (past its
/// length but inside the maximum they reach its own persisted bytes, as in piecrust 0.32), two instances of
/// one code have separate memories, and writes never show in another contract's pages. Sessions
/// never see each other's uncommitted writes, before or after the other commits.
/// </summary>
public sealed class IsolationTests
{
    /// <summary>peek [addr] → 8 bytes; poke [addr][u64]; copy [dst][src][len]; fill [dst][len]; grow [pages] → old pages; P = i32 or i64, A at 64 KiB.</summary>
    private static byte[] Prober(bool is64)
    {
        string p = is64 ? "i64" : "i32";
        string a = is64 ? "(i64.const 65536)" : "(i32.const 65536)";
        string At(int offset) => is64 ? $"(i64.const {65536 + offset})" : $"(i32.const {65536 + offset})";
        string Ptr(int offset) => is64 ? $"(i64.load {At(offset)})" : $"(i32.load {At(offset)})";
        int w = is64 ? 8 : 4;
        return Contracts.Wat($$"""
            (module
              (memory (export "memory") {{p}} 2)
              (global (export "A") {{p}} ({{p}}.const 65536))
              (func (export "peek") (param i32) (result i32) (i64.store {{a}} (i64.load {{Ptr(0)}})) i32.const 8)
              (func (export "peek_far") (param i32) (result i32) (i64.store {{a}} (i64.load offset=0xFFFFFFF8 {{Ptr(0)}})) i32.const 8)
              (func (export "poke") (param i32) (result i32) (i64.store {{Ptr(0)}} (i64.load {{At(w)}})) i32.const 0)
              (func (export "copy") (param i32) (result i32) (memory.copy {{Ptr(0)}} {{Ptr(w)}} {{Ptr(2 * w)}}) i32.const 0)
              (func (export "fill") (param i32) (result i32) (memory.fill {{Ptr(0)}} (i32.const 0xAB) {{Ptr(w)}}) i32.const 0)
              (func (export "grow") (param i32) (result i32) ({{p}}.store {{a}} (memory.grow {{Ptr(0)}})) i32.const {{w}}))
            """);
    }

    private static byte[] P(bool is64, ulong value) => is64 ? Contracts.Le(value) : Contracts.Le((uint)value);

    private static ContractId Deploy(SessionFixture f, byte[] code, string name) =>
        f.Session.Deploy(code, new ContractData(Contracts.Owner, default, new ContractId(Hash.Of(System.Text.Encoding.UTF8.GetBytes(name)))), Contracts.Gas);

    private static byte[][] Pages(Session session, ContractId id)
    {
        ulong count = session.MemoryLength(id) / 4096;
        var pages = new byte[count][];
        for (ulong i = 0; i < count; i++) pages[i] = session.ReadPage(id, i);
        return pages;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_stores_copies_and_fills_past_the_maximum_size_trap_and_change_nothing(bool is64)
    {
        using var f = new SessionFixture();
        var prober = Deploy(f, Prober(is64), "prober");
        ulong max = is64 ? 1UL << 42 : 1UL << 32; // no declared maximum: the ABI's
        var inside = f.Call(prober, "poke", Contracts.Cat(P(is64, max - 8), Contracts.Le(0x0102030405060708UL)));
        Assert.Empty(inside.Data);
        Assert.Equal(Contracts.Le(0x0102030405060708UL), f.Call(prober, "peek", P(is64, max - 8)).Data);

        // Addresses whose 8 bytes (16 for copy and fill) reach past the maximum size.
        ulong[] outside = is64
            ? [max - 7, max, 1UL << 43, 1UL << 63, ulong.MaxValue - 7, ulong.MaxValue]
            : [max - 7, max - 1];
        var attempts = new List<(string Function, byte[] Arg)>();
        foreach (ulong address in outside)
        {
            attempts.Add(("peek", P(is64, address)));
            attempts.Add(("poke", Contracts.Cat(P(is64, address), Contracts.Le(ulong.MaxValue))));
            attempts.Add(("copy", Contracts.Cat(P(is64, address), P(is64, 0), P(is64, 16))));   // into the outside
            attempts.Add(("copy", Contracts.Cat(P(is64, 0), P(is64, address), P(is64, 16))));   // out of the outside
            attempts.Add(("fill", Contracts.Cat(P(is64, address), P(is64, 16))));
        }
        if (!is64) attempts.Add(("peek_far", P(is64, 16))); // a static offset past the maximum
        attempts.Add(("copy", Contracts.Cat(P(is64, 8), P(is64, 0), P(is64, max - 7))));   // the destination's end is past
        attempts.Add(("copy", Contracts.Cat(P(is64, 0), P(is64, 8), P(is64, max - 7))));   // the source's end is past
        attempts.Add(("fill", Contracts.Cat(P(is64, 8), P(is64, max - 7))));
        foreach (var (function, arg) in attempts)
        {
            var root = f.Session.Root;
            var pages = Pages(f.Session, prober);
            var error = Assert.Throws<ContractTrapException>(() => f.Call(prober, function, arg));
            Assert.Contains("out-of-bounds memory access", error.Message);
            Assert.Equal(root, f.Session.Root);
            Assert.Equal(pages, Pages(f.Session, prober));
        }
        Assert.Equal(Contracts.Le(0x0102030405060708UL), f.Call(prober, "peek", P(is64, max - 8)).Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Accesses_past_the_length_inside_the_maximum_persist_commit_and_show_after_a_growth(bool is64)
    {
        using var f = new SessionFixture();
        var prober = Deploy(f, Prober(is64), "prober");
        ulong size = f.Session.MemoryLength(prober);
        Assert.Equal(131072UL, size);
        // Never written: zeros, no trap.
        Assert.Equal(new byte[8], f.Call(prober, "peek", P(is64, size)).Data);
        Assert.Equal(new byte[8], f.Call(prober, "peek", P(is64, size + 65536 + 100)).Data);

        var rootBefore = f.Session.Root;
        f.Call(prober, "poke", Contracts.Cat(P(is64, size + 65536 + 100), Contracts.Le(0x1122334455667788UL)));
        f.Call(prober, "fill", Contracts.Cat(P(is64, size + 8), P(is64, 8)));                                  // AB × 8 at size + 8
        f.Call(prober, "copy", Contracts.Cat(P(is64, size + 24), P(is64, size + 65536 + 100), P(is64, 8)));    // past → past
        Assert.Equal(size, f.Session.MemoryLength(prober)); // the length stays logical
        Assert.NotEqual(rootBefore, f.Session.Root);        // the bytes are state
        Assert.Equal(Contracts.Le(0x1122334455667788UL), f.Call(prober, "peek", P(is64, size + 65536 + 100)).Data);
        Assert.Equal(Contracts.Le(0xABABABABABABABABUL), f.Call(prober, "peek", P(is64, size + 8)).Data);
        Assert.Equal(Contracts.Le(0x1122334455667788UL), f.Call(prober, "peek", P(is64, size + 24)).Data);

        // Committed: a new session reads them back, still past the length.
        var root = f.Session.Commit();
        using var next = f.Vm.Session(new SessionData { Base = root });
        Assert.Equal(size, next.MemoryLength(prober));
        Assert.Equal(Contracts.Le(0x1122334455667788UL), next.Call(prober, "peek", P(is64, size + 65536 + 100), Contracts.Gas).Data);
        var page = f.Vm.ReadPage(root, prober, (size + 65536) / 4096);
        Assert.Equal(Contracts.Le(0x1122334455667788UL), page[100..108]);

        // A growth only moves the length: the bytes written past it are there, not zeroed.
        Assert.Equal(P(is64, 2), next.Call(prober, "grow", P(is64, 2), Contracts.Gas).Data);
        Assert.Equal(size + 2 * 65536, next.MemoryLength(prober));
        Assert.Equal(Contracts.Le(0x1122334455667788UL), next.Call(prober, "peek", P(is64, size + 65536 + 100), Contracts.Gas).Data);
        Assert.Equal(Contracts.Le(0x1122334455667788UL), next.ReadPage(prober, (size + 65536) / 4096)[100..108]);
        var grown = next.Commit();
        Assert.Equal(Contracts.Le(0xABABABABABABABABUL), f.Vm.ReadPage(grown, prober, size / 4096)[8..16]);
    }

    [Fact]
    public void Two_instances_of_the_same_code_have_separate_memories()
    {
        using var f = new SessionFixture();
        var a = Deploy(f, Prober(false), "a");
        var b = Deploy(f, Prober(false), "b");
        var counterA = Deploy(f, Contracts.Bytes("counter"), "counter a");
        var counterB = Deploy(f, Contracts.Bytes("counter"), "counter b");
        var center = f.Deploy("callcenter");
        var before = Pages(f.Session, b);
        var counterBefore = Pages(f.Session, counterB);

        // Write every page of a (the A buffer included), grow it, and drive counter a directly and through a nested call.
        for (ulong address = 0; address < 131072; address += 4096)
            f.Call(a, "poke", Contracts.Cat(Contracts.Le((uint)address), Contracts.Le(0xA5A5A5A5A5A5A5A5UL)));
        f.Call(a, "fill", Contracts.Cat(Contracts.Le(0u), Contracts.Le(65536u)));
        f.Call(a, "grow", Contracts.Le(3u));
        f.Call(counterA, "increment");
        f.Call(center, "increment_counter", counterA.ToArray());

        Assert.Equal(before, Pages(f.Session, b));
        Assert.Equal(counterBefore, Pages(f.Session, counterB));
        Assert.Equal(131072UL, f.Session.MemoryLength(b));
        Assert.Equal(5UL * 65536, f.Session.MemoryLength(a));

        // The same holds in the committed state, page for page.
        var root = f.Session.Commit();
        for (ulong page = 0; page < 32; page++)
        {
            Assert.Equal(before[page], f.Vm.ReadPage(root, b, page));
            Assert.Equal(counterBefore[page], f.Vm.ReadPage(root, counterB, page));
        }
        var leaves = f.Vm.Contracts(root).ToDictionary(l => l.Id);
        Assert.Equal(leaves[a].Bytecode, leaves[b].Bytecode);
        Assert.NotEqual(leaves[a].PageTreeRoot, leaves[b].PageTreeRoot);

        // And each contract's own code sees its own memory (reading writes the result into its own A).
        Assert.Equal(new byte[8], f.Call(b, "peek", Contracts.Le(126976u)).Data);
        Assert.Equal(Contracts.Le(0xA5A5A5A5A5A5A5A5UL), f.Call(a, "peek", Contracts.Le(126976u)).Data);
        Assert.Equal(Contracts.Le(0xfeUL), f.Call(counterA, "read_value").Data);
        Assert.Equal(Contracts.Le(0xfcUL), f.Call(counterB, "read_value").Data);
    }

    [Fact]
    public void Sessions_never_see_each_others_uncommitted_writes()
    {
        using var vm = VM.Ephemeral();
        var (counter, genesis) = CommittedCounter(vm);
        ulong Read(Session s) => BitConverter.ToUInt64(s.Call(counter, "read_value", [], Contracts.Gas).Data);

        using var writer = vm.Session(new SessionData { Base = genesis });
        using var reader = vm.Session(new SessionData { Base = genesis });
        var readerRoot = reader.Root;
        var readerPages = Pages(reader, counter);

        writer.Call(counter, "write_value", Contracts.Le(1000UL), Contracts.Gas);
        var box = Contracts.Deploy(writer, "box");
        Assert.Equal(1000UL, Read(writer));
        Assert.Equal(readerRoot, reader.Root);
        Assert.Equal(readerPages, Pages(reader, counter));
        Assert.Throws<ContractNotFoundException>(() => reader.Call(box, "get", [], Contracts.Gas));

        // The writer commits: the reader still works on its own base.
        var written = writer.Commit();
        Assert.Equal(readerRoot, reader.Root);
        Assert.Equal(readerPages, Pages(reader, counter));
        Assert.Throws<ContractNotFoundException>(() => reader.MemoryLength(box));
        Assert.Equal(0xfcUL, Read(reader));

        // Its own writes, committed, do not mix with the writer's; only a session on the writer's commit sees those.
        reader.Call(counter, "increment", [], Contracts.Gas);
        var read = reader.Commit();
        Assert.NotEqual(written, read);
        using (var onWritten = vm.Session(new SessionData { Base = written })) Assert.Equal(1000UL, Read(onWritten));
        using (var onRead = vm.Session(new SessionData { Base = read }))
        {
            Assert.Equal(0xfdUL, Read(onRead));
            Assert.Throws<ContractNotFoundException>(() => onRead.MemoryLength(box));
        }

        // A dropped session's writes are nowhere.
        var commits = vm.Commits;
        using (var dropped = vm.Session(new SessionData { Base = genesis }))
            dropped.Call(counter, "write_value", Contracts.Le(7UL), Contracts.Gas);
        Assert.Equal(commits, vm.Commits);
        using (var again = vm.Session(new SessionData { Base = genesis })) Assert.Equal(0xfcUL, Read(again));
    }

    [Fact]
    public void Sessions_on_many_threads_writing_one_contract_each_see_only_their_own_writes()
    {
        using var vm = VM.Ephemeral();
        var (counter, genesis) = CommittedCounter(vm);
        const int Threads = 6;
        var seen = new ulong[Threads][];
        var roots = new Hash[Threads];
        using var start = new Barrier(Threads);
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            using var session = vm.Session(new SessionData { Base = genesis });
            start.SignalAndWait();
            seen[t] = new ulong[20];
            for (int i = 0; i < 20; i++)
            {
                session.Call(counter, "write_value", Contracts.Le((ulong)(t * 1000 + i)), Contracts.Gas);
                seen[t][i] = BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data);
            }
            roots[t] = session.Commit();
        });
        for (int t = 0; t < Threads; t++)
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (ulong)(t * 1000 + i)), seen[t]);
            using var session = vm.Session(new SessionData { Base = roots[t] });
            Assert.Equal((ulong)(t * 1000 + 19), BitConverter.ToUInt64(session.Call(counter, "read_value", [], Contracts.Gas).Data));
        }
        Assert.Equal(Threads, roots.Distinct().Count());
    }

    /// <summary>Deploys a counter in a new session and commits: the common base of the session tests.</summary>
    private static (ContractId Counter, Hash Genesis) CommittedCounter(VM vm)
    {
        using var setup = vm.Session();
        var counter = Contracts.Deploy(setup, "counter");
        return (counter, setup.Commit());
    }
}
