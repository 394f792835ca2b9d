using Wasmtime;

namespace Piecrust.Bench.Engine;

/// <summary>
/// The baseline of the engine benchmarks: the same module under Wasmtime directly, with fuel on and
/// the same memory size, called through a typed function — what a call costs without the engine.
/// </summary>
public sealed class RawInstance : IDisposable
{
    private readonly Wasmtime.Engine _engine;
    private readonly Module _module;
    private Store _store;

    public RawInstance(int wasmPages)
    {
        _engine = new Wasmtime.Engine(new Config().WithFuelConsumption(true).WithCraneliftNaNCanonicalization(true).WithMemory64(true));
        _module = Module.FromText(_engine, "bench", BenchContract.Wat(wasmPages));
        _store = new Store(_engine);
        Instantiate();
    }

    public Func<int, int> Noop { get; private set; } = null!;
    public Func<int, int> Touch { get; private set; } = null!;
    public Func<int, int> Dirty { get; private set; } = null!;
    public Wasmtime.Memory Memory { get; private set; } = null!;

    /// <summary>A new store and instance (what loading a contract costs Wasmtime itself).</summary>
    public void Instantiate()
    {
        _store.Dispose();
        _store = new Store(_engine);
        _store.Fuel = BenchContract.Gas;
        var instance = new Instance(_store, _module);
        Noop = instance.GetFunction<int, int>("noop")!;
        Touch = instance.GetFunction<int, int>("touch")!;
        Dirty = instance.GetFunction<int, int>("dirty")!;
        Memory = instance.GetMemory("memory")!;
    }

    public void Refuel() => _store.Fuel = BenchContract.Gas;

    public void Dispose()
    {
        _store.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
