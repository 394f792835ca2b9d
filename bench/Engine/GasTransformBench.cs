using BenchmarkDotNet.Attributes;
using Piecrust.Runtime;
using Piecrust.Wasm;
using Wasmtime;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue G, "the gas transform costs no run time": a warm call of a store-heavy function (a loop of
/// 1,000 iterations, each an <c>i64.store</c>, an <c>i32.store8</c> and an <c>f64.store</c>) compiled
/// from the module as transformed (<see cref="GasTransform"/>: fuel padding before every store) against
/// the same module untransformed (baseline), both under the engine's Wasmtime configuration and called
/// through a typed Wasmtime function (no session around either). Target: ≤ 1.05×.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.GasTransform)]
public class GasTransformCallBench
{
    private const string Wat = """
        (module
          (memory (export "memory") 1)
          (global (export "A") i32 (i32.const 0))
          (func (export "stores") (param i32) (result i32) (local $i i32)
            loop $next
              (i64.store (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 0xFFF8)) (i64.extend_i32_u (local.get $i)))
              (i32.store8 offset=8 (i32.and (local.get $i) (i32.const 0xFFF)) (local.get $i))
              (f64.store offset=16 (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 0xFFF8)) (f64.convert_i32_u (local.get $i)))
              (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000)))
            end
            (i32.const 0)))
        """;

    private Wasmtime.Engine _engine = null!;
    private Module _original = null!, _transformed = null!;
    private Store _store = null!;
    private Func<int, int> _originalCall = null!, _transformedCall = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Wasmtime.Engine(WasmConfig.Create());
        var bytes = Module.ConvertText(Wat);
        _original = Module.FromBytes(_engine, "original", bytes);
        _transformed = Module.FromBytes(_engine, "transformed", GasTransform.Apply(bytes).Module);
        _store = new Store(_engine);
        _store.Fuel = ulong.MaxValue / 2;
        _originalCall = new Instance(_store, _original).GetFunction<int, int>("stores")!;
        _transformedCall = new Instance(_store, _transformed).GetFunction<int, int>("stores")!;
        ulong before = _store.Fuel;
        _originalCall(0);
        ulong original = before - _store.Fuel;
        before = _store.Fuel;
        _transformedCall(0);
        Metrics.Note(this, $"gas per call: untransformed {original}, transformed {before - _store.Fuel}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _original.Dispose();
        _transformed.Dispose();
        _engine.Dispose();
    }

    /// <summary>The untransformed module: every store costs Wasmtime's default 1.</summary>
    [Benchmark(Baseline = true)]
    public int Untransformed() => _originalCall(0);

    /// <summary>The transformed module: stores cost 16 / 32 by padding that compiles to nothing.</summary>
    [Benchmark]
    public int Transformed() => _transformedCall(0);
}

/// <summary>
/// Issue G, the transform's compile-time cost: compiling a real contract (the uplink fixtures, and
/// every <c>*.wasm</c> in <c>$PIECRUST_BENCH_WASM_DIR</c>, e.g. rusk's transfer and stake contracts,
/// which the repository does not ship) transformed — <see cref="GasTransform.Apply"/> plus Wasmtime's
/// compilation — against compiling it untransformed (baseline). The transformed module's size growth
/// is recorded as <c>SizeGrowth</c> (% of the original bytes).
/// </summary>
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.GasTransform)]
public class GasTransformCompileBench
{
    private Wasmtime.Engine _engine = null!;
    private byte[] _bytes = null!;

    /// <summary>The contract compiled (file name without .wasm).</summary>
    [ParamsSource(nameof(ContractNames))]
    public string Contract { get; set; } = "";

    /// <summary>The uplink fixtures, then the contracts of <c>$PIECRUST_BENCH_WASM_DIR</c>.</summary>
    public static IEnumerable<string> ContractNames() => Contracts().Select(p => Path.GetFileNameWithoutExtension(p)).Distinct();

    private static IEnumerable<string> Contracts()
    {
        string? root = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && root is null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Piecrust.Store.sln"))) root = dir.FullName;
        var files = new List<string>();
        if (root is not null) files.AddRange(Directory.GetFiles(Path.Combine(root, "tests", "fixtures", "uplink"), "*.wasm").Order());
        if (Environment.GetEnvironmentVariable("PIECRUST_BENCH_WASM_DIR") is { Length: > 0 } extra && Directory.Exists(extra))
            files.AddRange(Directory.GetFiles(extra, "*.wasm").Order());
        return files;
    }

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Wasmtime.Engine(WasmConfig.Create());
        _bytes = File.ReadAllBytes(Contracts().First(p => Path.GetFileNameWithoutExtension(p) == Contract));
        var transformed = GasTransform.Apply(_bytes).Module;
        Metrics.Record(this, Metrics.SizeGrowth, 100.0 * (transformed.Length - _bytes.Length) / _bytes.Length);
        Metrics.Note(this, $"{_bytes.Length} bytes, transformed {transformed.Length}");
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    /// <summary>Wasmtime compiles the contract as it is.</summary>
    [Benchmark(Baseline = true)]
    public void CompileUntransformed()
    {
        using var module = Module.FromBytes(_engine, Contract, _bytes);
    }

    /// <summary>The gas transform, then Wasmtime compiles its output.</summary>
    [Benchmark]
    public void CompileTransformed()
    {
        using var module = Module.FromBytes(_engine, Contract, GasTransform.Apply(_bytes).Module);
    }
}
