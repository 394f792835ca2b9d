using System.Text;
using BenchmarkDotNet.Attributes;
using Piecrust.Execution;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue J, point 1, "host time per failure at n = 1,000 ≤ 1.5× that at n = 10": one top-level call
/// (in a new session on a committed state) makes <see cref="FailedSubCallCase.Failures"/> sub-calls
/// that each write 4 pages, burn gas and panic, with honest work in the caller between them (a page
/// write and a loop). Per failure = (time at n − time at n = 0) / n, the n = 0 row (the same call
/// without sub-calls) measured in the same run. Each way of undoing (see <see cref="SubCallUndo"/>)
/// on the mapped path, in place on the plain path; re-execution only up to n = 100 (it is quadratic).
/// Needs <c>bash tests/contracts/build.sh</c> first (it reads <c>tests/contracts/out/calltree.wasm</c>).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.FailedSubCalls)]
public class FailedSubCallBench
{
    private const ulong SubCallGas = 200_000;
    private VM _vm = null!;
    private Hash _root;
    private ContractId _caller;
    private byte[] _script = [];

    /// <summary>Memory path, way of undoing and number of failing sub-calls.</summary>
    [ParamsSource(nameof(Cases))]
    public FailedSubCallCase Case { get; set; } = null!;

    /// <summary>The cases measured.</summary>
    public static IEnumerable<FailedSubCallCase> Cases() =>
    [
        .. new[] { 0, 10, 100, 1000 }.Select(n => new FailedSubCallCase(MemoryPath.Mapped, nameof(SubCallUndo.OnDemand), n)),
        .. new[] { 0, 10, 100, 1000 }.Select(n => new FailedSubCallCase(MemoryPath.Mapped, nameof(SubCallUndo.InPlace), n)),
        .. new[] { 0, 10, 100 }.Select(n => new FailedSubCallCase(MemoryPath.Mapped, nameof(SubCallUndo.Reexecute), n)),
        .. new[] { 0, 10, 1000 }.Select(n => new FailedSubCallCase(MemoryPath.Plain, nameof(SubCallUndo.InPlace), n)),
    ];

    [GlobalSetup]
    public void Setup()
    {
        _vm = VM.Ephemeral(new VMOptions { Memory = Case.Path, SubCallUndo = Case.Undo });
        var bytecode = File.ReadAllBytes(ContractPath());
        _caller = new ContractId(Hash.Of(Encoding.UTF8.GetBytes("caller")));
        var callee = new ContractId(Hash.Of(Encoding.UTF8.GetBytes("callee")));
        using (var session = _vm.Session())
        {
            session.Deploy(bytecode, new ContractData(new byte[32], default, _caller), 10_000_000);
            session.Deploy(bytecode, new ContractData(new byte[32], default, callee), 10_000_000);
            _root = session.Commit();
        }
        // The failing sub-call: 4 pages written, a loop, a panic.
        byte[] failing = [.. Write(10, 1), .. Write(11, 2), .. Write(12, 3), .. Write(13, 4), .. Burn(500), (byte)'p'];
        // Between sub-calls the caller writes a page and loops.
        byte[] body = [.. Write(1, 5), .. Burn(200), (byte)'c', .. callee.ToArray(), .. BitConverter.GetBytes(SubCallGas), .. U16(failing.Length), .. failing];
        _script = Case.Failures == 0
            ? [.. Write(1, 5), .. Burn(200)]
            : [(byte)'r', .. U16(Case.Failures), .. U16(body.Length), .. body];
        // The workload must be what it says: every sub-call fails (in the call tree).
        var receipt = Call();
        if (receipt.CallTree.Children.Count != Case.Failures || receipt.CallTree.Children.Any(c => !c.Failed))
            throw new InvalidOperationException("The sub-calls did not all fail.");
    }

    [GlobalCleanup]
    public void Cleanup() => _vm.Dispose();

    /// <summary>A new session on the committed state, the call, the session closed.</summary>
    [Benchmark]
    public CallReceipt Call()
    {
        using var session = _vm.Session(new SessionData { Base = _root });
        return session.Call(_caller, "run", _script, 1_000_000_000);
    }

    private static byte[] U16(int v) => BitConverter.GetBytes(checked((ushort)v));
    private static byte[] Write(uint page, uint value) => [(byte)'w', .. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)];
    private static byte[] Burn(int loops) => [(byte)'b', .. U16(loops)];

    private static string ContractPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = System.IO.Path.Combine(dir.FullName, "tests", "contracts", "out", "calltree.wasm");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("tests/contracts/out/calltree.wasm not found: run `bash tests/contracts/build.sh` first.");
    }
}

/// <summary>One row of <see cref="FailedSubCallBench"/>.</summary>
public sealed record FailedSubCallCase(MemoryPath Path, string Mode, int Failures)
{
    internal SubCallUndo Undo => Enum.Parse<SubCallUndo>(Mode);

    /// <inheritdoc/>
    public override string ToString() => $"{Path}/{Mode}/n={Failures}";
}
