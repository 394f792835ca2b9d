using System.Text;
using Piecrust.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Damaged and ABI-breaking modules: every one is refused with <see cref="InvalidModuleException"/>
/// (or, when the damage happens to leave a valid contract, deployed and then runs only within its
/// gas), the session's root is unchanged by a refusal, and the process survives.
/// </summary>
public sealed class MalformedModuleTests(ITestOutputHelper output)
{
    private static readonly string[] Truncated = ["counter", "counter64", "callcenter", "everything_import.wat", "everything_import64.wat", "noop.wat"];
    private static readonly string[] Flipped = ["counter", "box64", "spender", "everything_import.wat"];

    /// <summary>Deploys <paramref name="bytes"/>; on success calls each of <paramref name="functions"/>. Returns whether it deployed.</summary>
    private static bool Deploy(Session session, byte[] bytes, string input, IEnumerable<string> functions)
    {
        var root = session.Root;
        ContractId id = default;
        var error = Corpus.Outcome(() => id = session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas), input);
        if (error is not null)
        {
            if (error is InvalidModuleException) Assert.StartsWith("Invalid contract module:", error.Message);
            Assert.Equal(root, session.Root);
            return false;
        }
        // The damage left a valid contract: whatever its code now does, calls end in a receipt or a typed error.
        foreach (var function in functions)
            foreach (var arg in new[] { Array.Empty<byte>(), new byte[8], Contracts.Le(uint.MaxValue) })
            {
                var before = session.Root;
                if (Corpus.Outcome(() => session.Call(id, function, arg, 200_000), $"{input}: {function}") is not null)
                    Assert.Equal(before, session.Root);
            }
        return true;
    }

    [Fact]
    public void Modules_truncated_at_every_offset_are_refused()
    {
        int tried = 0, deployed = 0;
        foreach (var name in Truncated)
        {
            var bytes = Contracts.Bytes(name);
            var sectionEnds = SectionEnds(bytes);
            using var f = new SessionFixture();
            for (int length = 0; length < bytes.Length; length++, tried++)
            {
                if (!Deploy(f.Session, bytes[..length], $"{name} truncated to {length} bytes", [])) continue;
                // Only a cut right after a section (dropping trailing custom sections) can leave a valid module.
                Assert.Contains(length, sectionEnds);
                deployed++;
            }
        }
        Corpus.Count("module truncated at an offset", tried);
        output.WriteLine($"{tried} truncated modules: {tried - deployed} refused, {deployed} cut at the end of a section, still valid, deployed");
        Assert.True(tried >= 10_000, $"only {tried} truncations");
    }

    [Fact]
    public void Modules_with_a_bit_flipped_at_every_position_are_refused_or_run_within_their_gas()
    {
        // Every valid mutant is compiled (~30 ms): CI flips every fifth byte, PIECRUST_HOSTILE_SLOW=1 every byte.
        int stride = Environment.GetEnvironmentVariable("PIECRUST_HOSTILE_SLOW") == "1" ? 1 : 5;
        int tried = 0, deployed = 0;
        foreach (var name in Flipped)
        {
            var bytes = Contracts.Bytes(name);
            var functions = FunctionNames(name);
            for (int start = 0; start < bytes.Length; start += 200 * stride)
            {
                // A fresh VM now and then: every valid mutant is compiled and cached for the VM's life.
                using var f = new SessionFixture();
                for (int position = start; position < Math.Min(start + 200 * stride, bytes.Length); position += stride, tried++)
                {
                    var flipped = (byte[])bytes.Clone();
                    flipped[position] ^= (byte)(1 << (position % 8));
                    if (Deploy(f.Session, flipped, $"{name} with bit {position % 8} of byte {position} flipped", functions)) deployed++;
                }
            }
        }
        Corpus.Count("module with one bit flipped", tried);
        output.WriteLine($"{tried} bit-flipped modules: {tried - deployed} refused, {deployed} still valid, deployed and called");
        Assert.True(tried >= 5_500 / stride, $"only {tried} bit flips");
    }

    [Fact]
    public void Modules_with_random_bytes_overwritten_are_refused_or_run_within_their_gas()
    {
        var random = new Random(20240601);
        var bytes = Contracts.Bytes("callcenter");
        int tried = 0, deployed = 0;
        for (int batch = 0; batch < 4; batch++)
        {
            using var f = new SessionFixture();
            for (int i = 0; i < 150; i++, tried++)
            {
                var damaged = (byte[])bytes.Clone();
                int count = 1 + random.Next(8);
                for (int k = 0; k < count; k++) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                if (Deploy(f.Session, damaged, $"callcenter with {count} random bytes (input {tried})", ["panik", "return_self_id", "recurse"])) deployed++;
            }
        }
        Corpus.Count("module with random bytes overwritten", tried);
        output.WriteLine($"{tried} randomly damaged modules: {tried - deployed} refused, {deployed} deployed and called");
        Assert.Equal(600, tried);
    }

    private static string[] FunctionNames(string name) => name switch
    {
        "counter" => ["read_value", "increment", "write_value"],
        "box64" => ["set", "get"],
        "spender" => ["spend", "burn", "limit_and_spent"],
        _ => ["noop", "load", "store", "grow", "call_hd"],
    };

    /// <summary>Valid WebAssembly that breaks a module rule of the ABI (or a limit of the engine), with what the error must name.</summary>
    private static IEnumerable<(string What, string Wat, string Rule)> AbiBreakers()
    {
        const string Ok = """(memory (export "memory") 2) (global (export "A") i32 (i32.const 0))""";
        const string F = """(func (export "f") (param i32) (result i32) i32.const 0)""";
        return
        [
            ("no A", $"""(module (memory (export "memory") 2) {F})""", "'A'"),
            ("two memories", $"""(module (memory (export "memory") 2) (memory 1) (global (export "A") i32 (i32.const 0)) {F})""", "memor"),
            ("no memory", $"""(module (global (export "A") i32 (i32.const 0)) {F})""", "memory"),
            ("memory not exported", $"""(module (memory 2) (global (export "A") i32 (i32.const 0)) {F})""", "memory"),
            ("imported memory", $"""(module (import "env" "memory" (memory 2)) (export "memory" (memory 0)) (global (export "A") i32 (i32.const 0)) {F})""", "imported"),
            ("shared memory (threads)", $"""(module (memory (export "memory") 2 2 shared) (global (export "A") i32 (i32.const 0)) {F})""", ""),
            ("export (i32) -> ()", $"""(module {Ok} (func (export "f") (param i32)))""", "(i32) -> i32"),
            ("export () -> i32", $"""(module {Ok} (func (export "f") (result i32) i32.const 0))""", "(i32) -> i32"),
            ("export (i32 i32) -> i32", $"""(module {Ok} (func (export "f") (param i32 i32) (result i32) i32.const 0))""", "(i32) -> i32"),
            ("export (i32) -> i64", $"""(module {Ok} (func (export "f") (param i32) (result i64) i64.const 0))""", "(i32) -> i32"),
            ("export (i32) -> (i32 i32)", $"""(module {Ok} (func (export "f") (param i32) (result i32 i32) i32.const 0 i32.const 0))""", "(i32) -> i32"),
            ("init of the wrong type", $"""(module {Ok} (func (export "init") (param i64) (result i64) i64.const 0))""", "(i32) -> i32"),
            ("A is a function", $"""(module (memory (export "memory") 2) (func (export "A") (param i32) (result i32) i32.const 0))""", "'A'"),
            ("A is mutable", $"""(module (memory (export "memory") 2) (global (export "A") (mut i32) (i32.const 0)) {F})""", "immutable"),
            ("A is i64 in a 32-bit module", $"""(module (memory (export "memory") 2) (global (export "A") i64 (i64.const 0)) {F})""", "immutable i32"),
            ("A is i32 in a 64-bit module", $"""(module (memory (export "memory") i64 2) (global (export "A") i32 (i32.const 0)) {F})""", "immutable i64"),
            ("A is imported", $"""(module (import "env" "A" (global i32)) (memory (export "memory") 2) (export "A" (global 0)) {F})""", ""),
            ("A + 64 KiB past 4 GiB", $"""(module (memory (export "memory") 2) (global (export "A") i32 (i32.const -65535)) {F})""", "64 KiB"),
            ("A + 64 KiB past the maximum", $"""(module (memory (export "memory") 1 1) (global (export "A") i32 (i32.const 1)) {F})""", "64 KiB"),
            ("forbidden import env.random", $"""(module (import "env" "random" (func (result i32))) {Ok} {F})""", "not a host function"),
            ("WASI import", $"""(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) {Ok} {F})""", "not a host function"),
            ("host import with the wrong signature", $"""(module (import "env" "panic" (func (param i64))) {Ok} {F})""", ""),
            ("imported table", $"""(module (import "env" "t" (table 1 funcref)) {Ok} {F})""", "table"),
            ("imported global", $"""(module (import "env" "g" (global i32)) {Ok} {F})""", "global"),
            ("start function", $"""(module {Ok} (func $s) (start $s) {F})""", "start function"),
            ("data segment past the memory", $"""(module {Ok} (data (i32.const 131070) "0123456789") {F})""", "data segment"),
            ("data segment at 4 GiB - 1", $"""(module {Ok} (data (i32.const -1) "01") {F})""", "data segment"),
            ("64-bit data segment at 2^40", $"""(module (memory (export "memory") i64 2) (global (export "A") i64 (i64.const 0)) (data (i64.const 0x10000000000) "01") {F})""", "data segment"),
            ("initial memory over 4 TiB", $"""(module (memory (export "memory") i64 0x4000001) (global (export "A") i64 (i64.const 0)) {F})""", ""),
            ("relaxed SIMD", $"""(module {Ok} (func (export "f") (param i32) (result i32) v128.const i64x2 0 0 v128.const i64x2 0 0 i8x16.relaxed_swizzle drop i32.const 0))""", "deterministic configuration"),
            ("tail call", $"""(module {Ok} (func $g (param i32) (result i32) i32.const 0) (func (export "f") (param i32) (result i32) local.get 0 return_call $g))""", ""),
            ("exceptions", $"""(module {Ok} (tag $e) (func (export "f") (param i32) (result i32) throw $e))""", ""),
            ("function with 60,000 locals", $"""(module {Ok} (func (export "f") (param i32) (result i32) (local {string.Join(" ", Enumerable.Repeat("i64", 60_000))}) i32.const 0))""", ""),
        ];
    }

    [Fact]
    public void Modules_breaking_an_abi_rule_are_refused_naming_it()
    {
        int tried = 0;
        using var f = new SessionFixture();
        foreach (var (what, wat, rule) in AbiBreakers())
        {
            var bytes = Contracts.Wat(wat);
            var error = Corpus.Fails<InvalidModuleException>(() => f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas), what);
            Assert.Contains(rule, error.Message);
            output.WriteLine($"{what}: {error.Message}");
            tried++;
        }
        Corpus.Count("ABI-breaking valid WebAssembly", tried);
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
        Assert.True(tried >= 30);
    }

    [Fact]
    public void The_invalid_contract_suite_is_refused()
    {
        int tried = 0;
        using var f = new SessionFixture();
        foreach (var path in Directory.GetFiles(Path.Combine(Contracts.Root, "tests", "contracts", "out", "invalid"), "*.wat").Order())
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (name == "not_wat") continue; // does not even assemble
            var error = Corpus.Fails<InvalidModuleException>(() => f.Deploy(Path.Combine("invalid", name + ".wat")), name);
            output.WriteLine($"{name}: {error.Message}");
            tried++;
        }
        Corpus.Count("ABI-breaking valid WebAssembly", tried);
        Assert.True(tried >= 13);
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
    }

    /// <summary>Binary-level damage no text assembler produces: bad headers, lying sizes, over-long LEB128s, huge counts, deep nesting.</summary>
    public static IEnumerable<(string What, byte[] Bytes)> MalformedBinaries()
    {
        byte[] header = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];
        byte[] Module(params byte[][] sections) => header.Concat(sections.SelectMany(s => s)).ToArray();
        byte[] Section(byte id, params byte[] body) => [id, .. Leb((ulong)body.Length), .. body];
        yield return ("empty", []);
        yield return ("magic only", header[..4]);
        yield return ("wrong magic", [0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00]);
        yield return ("version 2", [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00]);
        yield return ("component-model layer", [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]);
        yield return ("header only", header);
        yield return ("section size past the end", Module([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00]));
        yield return ("section size 2^32", Module([0x01, 0x80, 0x80, 0x80, 0x80, 0x10]));
        yield return ("over-long LEB128", Module([0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
        yield return ("unknown section id", Module(Section(0x7F, 0x00)));
        yield return ("type section claiming 2^32-1 types", Module(Section(0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F)));
        yield return ("function section claiming 10^9 functions", Module(Section(0x03, 0x80, 0x94, 0xEB, 0xDC, 0x03)));
        yield return ("memory with min > max", Module(Section(0x05, 0x01, 0x01, 0x05, 0x02)));
        yield return ("memory of 65537 pages (32-bit)", Module(Section(0x05, 0x01, 0x00, 0x81, 0x80, 0x04)));
        yield return ("custom section with a name past the end", Module(Section(0x00, 0xFF, 0x01)));
        yield return ("duplicate sections", Module(Section(0x01, 0x00), Section(0x01, 0x00)));
        yield return ("sections out of order", Module(Section(0x03, 0x00), Section(0x01, 0x00)));
        yield return ("export name not UTF-8", Module(Section(0x05, 0x01, 0x00, 0x01), Section(0x07, 0x01, 0x02, 0xC3, 0x28, 0x02, 0x00)));
        yield return ("duplicate export names", Rename(Contracts.Wat("""(module (memory 1) (export "memory" (memory 0)) (global (export "A") i32 (i32.const 0)) (global (export "B") i32 (i32.const 0)))"""), "B", "A"));
        byte[] type = Section(0x01, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F);
        byte[] body = [0x04, 0x00, 0x41, 0x00, 0x0B];
        yield return ("code section with fewer bodies than functions", Module(type, Section(0x03, 0x02, 0x00, 0x00), Section(0x0A, [0x01, .. body])));
        yield return ("function body size past the section", Module(type, Section(0x03, 0x01, 0x00), Section(0x0A, 0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B)));
        yield return ("function of a type index past the types", Module(type, Section(0x03, 0x01, 0x05), Section(0x0A, [0x01, .. body])));
        yield return ("function body without end", Module(type, Section(0x03, 0x01, 0x00), Section(0x0A, 0x01, 0x03, 0x00, 0x41, 0x00)));
        yield return ("4 billion locals", Module(type, Section(0x03, 0x01, 0x00), Section(0x0A, 0x01, 0x09, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7E, 0x41, 0x00, 0x0B)));
    }

    [Fact]
    public void Malformed_binaries_are_refused()
    {
        int tried = 0;
        using var f = new SessionFixture();
        foreach (var (what, bytes) in MalformedBinaries())
        {
            var error = Corpus.Outcome(() => f.Session.Deploy(bytes, new ContractData(Contracts.Owner), Contracts.Gas), what);
            output.WriteLine($"{what}: {error?.Message ?? "deployed"}");
            Assert.IsType<InvalidModuleException>(error);
            tried++;
        }
        Corpus.Count("malformed binary", tried);
        Assert.Equal(Piecrust.Merkle.Domain.EmptyState, f.Session.Root);
    }

    /// <summary>Valid but extreme modules: the engine may take or refuse them, but never crashes or hangs.</summary>
    private static IEnumerable<(string What, byte[] Bytes)> Extremes()
    {
        const string Ok = """(memory (export "memory") 2) (global (export "A") i32 (i32.const 0))""";
        yield return ("10,000 nested blocks", Nested(10_000));
        yield return ("100,000 nested blocks", Nested(100_000));
        yield return ("br_table with 1,000,000 targets", BrTable(1_000_000));
        yield return ("10,000 exported functions", Contracts.Wat($"""(module {Ok} {string.Concat(Enumerable.Range(0, 10_000).Select(i => $"(func (export \"f{i}\") (param i32) (result i32) i32.const 0)"))})"""));
        yield return ("a function with 50,000 locals", Contracts.Wat($"""(module {Ok} (func (export "f") (param i32) (result i32) (local {string.Join(" ", Enumerable.Repeat("i64", 49_999))}) i32.const 0))"""));
        yield return ("a 1 MiB data segment", Contracts.Wat($"""(module (memory (export "memory") 32) (global (export "A") i32 (i32.const 0)) (data (i32.const 65536) "{new string('x', 1 << 20)}") (func (export "f") (param i32) (result i32) i32.const 0))"""));
        yield return ("10,000 data segments", Contracts.Wat($"""(module {Ok} {string.Concat(Enumerable.Range(0, 10_000).Select(i => $"(data (i32.const {65536 + i * 4}) \"abcd\")"))} (func (export "f") (param i32) (result i32) i32.const 0))"""));
        yield return ("a table of 10,000,000 elements", Contracts.Wat($"""(module {Ok} (table 10000000 funcref) (func (export "f") (param i32) (result i32) i32.const 0))"""));
        yield return ("initial memory of 4 TiB (64-bit)", Contracts.Wat("""(module (memory (export "memory") i64 0x4000000) (global (export "A") i64 (i64.const 0)) (func (export "f") (param i32) (result i32) i32.const 0))"""));
        yield return ("a 1 MiB custom section", [.. Contracts.Bytes("noop.wat"), 0x00, .. Leb((1 << 20) + 2), 0x01, (byte)'x', .. new byte[1 << 20]]);
    }

    [Fact]
    public void Extreme_but_valid_modules_deploy_or_are_refused_and_run_within_their_gas()
    {
        int tried = 0;
        foreach (var (what, bytes) in Extremes())
        {
            using var f = new SessionFixture();
            string[] functions = what.StartsWith("a 1 MiB custom") ? ["noop"] : ["f", "f0", "f9999"];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            bool deployed = Deploy(f.Session, bytes, what, functions);
            output.WriteLine($"{what}: {(deployed ? "deployed and called" : "refused")} ({clock.ElapsedMilliseconds} ms)");
            tried++;
        }
        Corpus.Count("extreme but valid module", tried);
        Assert.True(tried >= 9);
    }

    /// <summary>Offsets at which a section of a well-formed module ends.</summary>
    private static HashSet<int> SectionEnds(byte[] module)
    {
        var ends = new HashSet<int>();
        int pos = 8;
        while (pos < module.Length)
        {
            pos++; // id
            ulong size = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = module[pos++];
                size |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) break;
            }
            pos += (int)size;
            ends.Add(pos);
        }
        return ends;
    }

    private static byte[] Leb(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            bytes.Add(b);
        } while (value != 0);
        return bytes.ToArray();
    }

    private static byte[] Rename(byte[] module, string from, string to)
    {
        var pattern = Encoding.UTF8.GetBytes("\u0001" + from);
        int at = module.AsSpan().IndexOf(pattern);
        var copy = (byte[])module.Clone();
        Encoding.UTF8.GetBytes(to).CopyTo(copy, at + 1);
        return copy;
    }

    private static byte[] Nested(int depth)
    {
        var body = new StringBuilder();
        body.Append("""(module (memory (export "memory") 2) (global (export "A") i32 (i32.const 0)) (func (export "f") (param i32) (result i32) """);
        body.Insert(body.Length, "(block ", depth);
        body.Insert(body.Length, ")", depth);
        body.Append(" i32.const 0))");
        return Contracts.Wat(body.ToString());
    }

    private static byte[] BrTable(int targets)
    {
        var wat = $"""(module (memory (export "memory") 2) (global (export "A") i32 (i32.const 0)) (func (export "f") (param i32) (result i32) (block (br_table {string.Join(" ", Enumerable.Repeat("0", targets))} (local.get 0))) i32.const 0))""";
        return Contracts.Wat(wat);
    }
}
