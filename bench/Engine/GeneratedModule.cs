using System.Text;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Valid contract modules of a chosen shape and size, written as binary directly (the WAT text of the
/// largest ones would take longer to convert than to compile). Every module has the ABI's memory
/// (exported as "memory"), the argument buffer global "A" and an exported (i32) -> i32 function "f";
/// all functions have that type. Called with a non-empty argument, "f" returns 0 (an empty result):
/// branches are taken only when the argument is empty, and calls go to a function of one constant.
/// </summary>
public static class GeneratedModule
{
    private const byte I32 = 0x7F, FuncRef = 0x70, End = 0x0B, BlockEmpty = 0x40;
    private const byte Block = 0x02, Loop = 0x03, If = 0x04, BrIf = 0x0D, BrTable = 0x0E, Call = 0x10, Drop = 0x1A;
    private const byte LocalGet = 0x20, LocalSet = 0x21, I32Const = 0x41, I32Load = 0x28, I32Store = 0x36, I32Eqz = 0x45, I32Add = 0x6A, I32Mul = 0x6C;

    // A loop that repeats while the argument is empty, and a call of the last function (one constant).
    private static readonly byte[] LoopUnit = [Loop, BlockEmpty, LocalGet, 0x00, I32Eqz, BrIf, 0x00, End];
    private static byte[] CallUnit(int callee)
    {
        var unit = new List<byte> { LocalGet, 0x00, Call };
        Leb(unit, (uint)callee);
        unit.Add(Drop);
        return unit.ToArray();
    }

    /// <summary>The shapes <see cref="Build"/> knows, each with what its unit <c>n</c> is.</summary>
    public static readonly IReadOnlyDictionary<string, string> Shapes = new Dictionary<string, string>
    {
        ["functions"] = "n functions of one constant each",
        ["bodies"] = "n functions of ~200 bytes of loads, multiplies, adds and stores",
        ["straight"] = "one function of n such 20-byte groups (straight-line code)",
        ["stack"] = "one function pushing n values, then adding them (n values live at once)",
        ["nesting"] = "one function of n nested empty blocks",
        ["nested-loops"] = "one function of n nested loops, each with a br_if (two control instructions)",
        ["loops"] = "one function of n loops in a row, each with a br_if (two control instructions)",
        ["loops-spread"] = "n functions of 100 loops in a row each",
        ["ifs"] = "one function of n nested ifs",
        ["br_ifs"] = "one function of n br_ifs out of one block",
        ["br_table"] = "one function with a br_table of n targets",
        ["calls"] = "one function of n calls (and the function called)",
        ["calls-spread"] = "n functions of 1,000 calls each (and the function called)",
        ["data"] = "n one-byte data segments",
        ["table"] = "a table of n elements, all set by one element segment",
        ["locals"] = "one function with n locals, each written from the previous one",
        ["globals"] = "n mutable globals",
        ["exports"] = "n exported functions",
    };

    /// <summary>A module of <paramref name="shape"/> with <paramref name="n"/> units of it.</summary>
    public static byte[] Build(string shape, int n) => shape switch
    {
        "functions" => Module(Repeat(Tiny(), n)),
        "bodies" => Module(Repeat(Straight(10), n)),
        "straight" => Module([Straight(n)]),
        "stack" => Module([Stack(n)]),
        "nesting" => Module([Nested(n, [Block, BlockEmpty], [])]),
        "nested-loops" => Module([Nested(n, LoopUnit[..^1], [])]),
        "loops" => Module([Sequence(n, LoopUnit)]),
        "loops-spread" => Module(Repeat(Sequence(100, LoopUnit), n)),
        "ifs" => Module([Nested(n, [LocalGet, 0x00, I32Eqz, If, BlockEmpty], [])]),
        "br_ifs" => Module([BrIfs(n)]),
        "br_table" => Module([BrTableBody(n)]),
        "calls" => Module([Sequence(n, CallUnit(1)), Tiny()]),
        "calls-spread" => Module([.. Repeat(Sequence(1000, CallUnit(n)), n), Tiny()]),
        "data" => Module([Tiny()], dataSegments: n),
        "table" => Module([Tiny()], tableElements: n),
        "locals" => Module([Locals(n)]),
        "globals" => Module([Tiny()], globals: n),
        "exports" => Module(Repeat(Tiny(), n), exportAll: true),
        _ => throw new ArgumentException($"Unknown shape '{shape}'; known: {string.Join(", ", Shapes.Keys)}.", nameof(shape)),
    };

    /// <summary>The kinds of control instructions <see cref="Mixed"/> can fill functions with.</summary>
    public static readonly string[] ControlKinds = ["loops", "ifs", "br_ifs", "calls"];

    /// <summary>
    /// A module at several limits at once: <paramref name="functions"/> functions, of which
    /// <paramref name="controlFunctions"/> hold <paramref name="controlPerFunction"/> control
    /// instructions of <paramref name="kind"/> each (see <see cref="ControlKinds"/>), the rest one
    /// constant; straight-line code added to the control functions until the module has about
    /// <paramref name="bytes"/> bytes (at most <paramref name="maxBody"/> per body); and
    /// <paramref name="dataSegments"/> data segments; every function exported when <paramref name="exportAll"/>.
    /// </summary>
    public static byte[] Mixed(string kind, int functions, int controlFunctions, int controlPerFunction, int dataSegments, int bytes, int maxBody, bool exportAll = false)
    {
        byte[] control = kind switch
        {
            "loops" => Sequence(controlPerFunction / 2, LoopUnit),
            "ifs" => Nested(controlPerFunction, [LocalGet, 0x00, I32Eqz, If, BlockEmpty], []),
            "br_ifs" => BrIfs(controlPerFunction - 1),
            "calls" => Sequence(controlPerFunction, CallUnit(0)),
            _ => throw new ArgumentException($"Unknown kind '{kind}'; known: {string.Join(", ", ControlKinds)}.", nameof(kind)),
        };
        var tiny = Repeat(Tiny(), functions - controlFunctions);
        int fixedBytes = Module([.. Repeat(control, controlFunctions), .. tiny], dataSegments: dataSegments, exportAll: exportAll).Length;
        int fillPerFunction = controlFunctions == 0 ? 0 : Math.Max(0, Math.Min(maxBody - control.Length - 16, (bytes - fixedBytes) / controlFunctions));
        return Module([.. Repeat(WithStraight(control, fillPerFunction), controlFunctions), .. tiny], dataSegments: dataSegments, exportAll: exportAll);
    }

    private static byte[][] Repeat(byte[] body, int count) => Enumerable.Repeat(body, count).ToArray();

    private static byte[] Tiny() => [0x00, I32Const, 0x00, End];

    /// <summary>Groups of: local1 = load(local0 + k) * k + local1; store(k, local1). 20 bytes or so each.</summary>
    private static byte[] Straight(int groups)
    {
        var b = new List<byte> { 0x01, 0x01, I32 };
        AppendStraight(b, groups);
        b.AddRange([LocalGet, 0x01, End]);
        return b.ToArray();
    }

    private static void AppendStraight(List<byte> b, int groups, int first = 0)
    {
        for (int i = first; i < first + groups; i++)
        {
            uint offset = (uint)(i % 16000) * 4;
            b.AddRange([LocalGet, 0x00, I32Load, 0x02]);
            Leb(b, offset);
            b.Add(I32Const);
            SLeb(b, i);
            b.AddRange([I32Mul, LocalGet, 0x01, I32Add, LocalSet, 0x01, I32Const]);
            SLeb(b, offset);
            b.AddRange([LocalGet, 0x01, I32Store, 0x02, 0x00]);
        }
    }

    /// <summary><paramref name="body"/> (no locals, ends with "i32.const 0 end") with about <paramref name="bytes"/> of straight-line code first.</summary>
    private static byte[] WithStraight(byte[] body, int bytes)
    {
        var b = new List<byte> { 0x01, 0x01, I32 };
        for (int i = 0; b.Count < bytes; i++) AppendStraight(b, 1, i);
        b.AddRange(body.AsSpan(1).ToArray());
        return b.ToArray();
    }

    private static byte[] Stack(int values)
    {
        var b = new List<byte> { 0x00 };
        for (int i = 0; i < values; i++) b.AddRange([LocalGet, 0x00]);
        for (int i = 1; i < values; i++) b.Add(I32Add);
        b.Add(End);
        return b.ToArray();
    }

    private static byte[] Nested(int depth, byte[] open, byte[] close)
    {
        var b = new List<byte> { 0x00 };
        for (int i = 0; i < depth; i++) b.AddRange(open);
        for (int i = 0; i < depth; i++) { b.AddRange(close); b.Add(End); }
        b.AddRange([I32Const, 0x00, End]);
        return b.ToArray();
    }

    private static byte[] Sequence(int count, byte[] unit)
    {
        var b = new List<byte>(count * unit.Length + 4) { 0x00 };
        for (int i = 0; i < count; i++) b.AddRange(unit);
        b.AddRange([I32Const, 0x00, End]);
        return b.ToArray();
    }

    private static byte[] BrIfs(int count)
    {
        var b = new List<byte> { 0x00, Block, BlockEmpty };
        for (int i = 0; i < count; i++) b.AddRange([LocalGet, 0x00, BrIf, 0x00]);
        b.AddRange([End, I32Const, 0x00, End]);
        return b.ToArray();
    }

    private static byte[] BrTableBody(int targets)
    {
        var b = new List<byte> { 0x00, Block, BlockEmpty, LocalGet, 0x00, BrTable };
        Leb(b, (uint)targets);
        for (int i = 0; i < targets; i++) b.Add(0x00);
        b.AddRange([0x00, End, I32Const, 0x00, End]);
        return b.ToArray();
    }

    private static byte[] Locals(int count)
    {
        var b = new List<byte> { 0x01 };
        Leb(b, (uint)count);
        b.Add(I32);
        for (int i = 1; i <= count; i++)
        {
            b.Add(LocalGet);
            Leb(b, (uint)(i - 1));
            b.Add(LocalSet);
            Leb(b, (uint)i);
        }
        b.Add(LocalGet);
        Leb(b, (uint)count);
        b.Add(End);
        return b.ToArray();
    }

    private static byte[] Module(byte[][] bodies, int dataSegments = 0, int tableElements = 0, int globals = 0, bool exportAll = false)
    {
        var m = new List<byte> { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00 };
        Section(m, 1, [0x01, 0x60, 0x01, I32, 0x01, I32]);
        var functions = new List<byte>();
        Leb(functions, (uint)bodies.Length);
        functions.AddRange(new byte[bodies.Length]);
        Section(m, 3, functions);
        if (tableElements > 0)
        {
            var table = new List<byte> { 0x01, FuncRef, 0x00 };
            Leb(table, (uint)tableElements);
            Section(m, 4, table);
        }
        var memory = new List<byte> { 0x01, 0x00 };
        Leb(memory, 2 + (uint)(dataSegments / 65536));
        Section(m, 5, memory);
        var globalSection = new List<byte>();
        Leb(globalSection, 1 + (uint)globals);
        globalSection.AddRange([I32, 0x00, I32Const, 0x00, End]);
        for (int i = 0; i < globals; i++) globalSection.AddRange([I32, 0x01, I32Const, 0x00, End]);
        Section(m, 6, globalSection);
        var exports = new List<byte>();
        Leb(exports, 2 + (uint)(exportAll ? bodies.Length : 1));
        Name(exports, "memory");
        exports.AddRange([0x02, 0x00]);
        Name(exports, "A");
        exports.AddRange([0x03, 0x00]);
        Name(exports, "f");
        exports.AddRange([0x00, 0x00]);
        for (int i = 1; exportAll && i < bodies.Length; i++)
        {
            Name(exports, "f" + i);
            exports.Add(0x00);
            Leb(exports, (uint)i);
        }
        Section(m, 7, exports);
        if (tableElements > 0)
        {
            var elements = new List<byte> { 0x01, 0x00, I32Const, 0x00, End };
            Leb(elements, (uint)tableElements);
            elements.AddRange(new byte[tableElements]);
            Section(m, 9, elements);
        }
        if (dataSegments > 0)
        {
            var count = new List<byte>();
            Leb(count, (uint)dataSegments);
            Section(m, 12, count);
        }
        var code = new List<byte>();
        Leb(code, (uint)bodies.Length);
        foreach (var body in bodies)
        {
            Leb(code, (uint)body.Length);
            code.AddRange(body);
        }
        Section(m, 10, code);
        if (dataSegments > 0)
        {
            var data = new List<byte>();
            Leb(data, (uint)dataSegments);
            for (int i = 0; i < dataSegments; i++)
            {
                data.AddRange([0x00, I32Const]);
                SLeb(data, 65536 + i);
                data.AddRange([End, 0x01, (byte)i]);
            }
            Section(m, 11, data);
        }
        return m.ToArray();
    }

    private static void Section(List<byte> module, byte id, IReadOnlyCollection<byte> payload)
    {
        module.Add(id);
        Leb(module, (uint)payload.Count);
        module.AddRange(payload);
    }

    private static void Name(List<byte> to, string name)
    {
        Leb(to, (uint)Encoding.UTF8.GetByteCount(name));
        to.AddRange(Encoding.UTF8.GetBytes(name));
    }

    private static void Leb(List<byte> to, uint value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            to.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
    }

    private static void SLeb(List<byte> to, long value)
    {
        while (true)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bool done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            to.Add(done ? b : (byte)(b | 0x80));
            if (done) return;
        }
    }
}
