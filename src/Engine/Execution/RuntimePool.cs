using Piecrust.Memory;

namespace Piecrust.Execution;

/// <summary>
/// The runtimes sessions of one VM handed back, ready for new sessions (see <see cref="WasmRuntime"/>).
/// Holds two per core, at least 4 and at most 16: one per session that runs at the same time is all
/// that can be reused, and each holds up to 256 instances with their mappings and private pages
/// (bounded, see <see cref="WasmRuntime"/>). An idle instance may go
/// on showing an image only while the image cache keeps it: a dropped image's files are removed, and
/// their mappings would otherwise keep the disk space. Thread-safe.
/// </summary>
internal sealed class RuntimePool : IDisposable
{
    private readonly Stack<WasmRuntime> _idle = new();
    private readonly Wasmtime.Engine _engine;
    private readonly Func<ImageKey, bool> _isCached;
    private readonly int _capacity = Math.Clamp(2 * Environment.ProcessorCount, 4, 16);
    private bool _disposed;
    private long _instancesCreated;

    /// <summary>Every pool not yet disposed, so address space can be reclaimed from all of them (see <see cref="DropAllIdle"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<RuntimePool, bool> Pools = new();

    /// <param name="engine">The engine runtimes are made in.</param>
    /// <param name="isCached">Whether the image cache keeps an image (see <see cref="ForgetImages"/>).</param>
    public RuntimePool(Wasmtime.Engine engine, Func<ImageKey, bool> isCached)
    {
        _engine = engine;
        _isCached = isCached;
        Pools[this] = true;
    }

    /// <summary>Disposes the idle runtimes of every pool in the process: their instances hold address space nothing uses.</summary>
    public static void DropAllIdle()
    {
        foreach (var pool in Pools.Keys) pool.DropIdle();
    }

    /// <summary>A runtime whose host functions serve <paramref name="host"/>: a returned one when there is one, else a new one.</summary>
    public WasmRuntime Rent(ICallHost host)
    {
        WasmRuntime? runtime = null;
        lock (_idle)
        {
            if (_idle.Count > 0) runtime = _idle.Pop();
        }
        runtime ??= new WasmRuntime(this, _engine);
        runtime.Host = host;
        return runtime;
    }

    /// <summary>Instances the runtimes of this pool created in Wasmtime (rather than reused).</summary>
    public long InstancesCreated => Interlocked.Read(ref _instancesCreated);

    public void CountInstance() => Interlocked.Increment(ref _instancesCreated);

    /// <summary>Takes a runtime back from a session that ended (it keeps it, or disposes it when full or worn out).</summary>
    public void Return(WasmRuntime runtime)
    {
        runtime.Host = null;
        if (runtime.Reusable)
        {
            lock (_idle)
            {
                if (!_disposed && _idle.Count < _capacity)
                {
                    // Checked under the lock ForgetImages takes, so no image dropped meanwhile stays shown.
                    runtime.ClearShown(key => !_isCached(key));
                    _idle.Push(runtime);
                    return;
                }
            }
        }
        runtime.Dispose();
    }

    /// <summary>
    /// The image cache dropped these images: idle instances of waiting runtimes stop showing them
    /// (runtimes in use check theirs when they come back, see <see cref="Return"/>).
    /// </summary>
    public void ForgetImages(IReadOnlyList<ImageKey> dropped)
    {
        var keys = dropped.ToHashSet();
        lock (_idle)
        {
            // A waiting runtime is used by no session: its instances' memories may be changed here.
            foreach (var runtime in _idle) runtime.ClearShown(keys.Contains);
        }
    }

    /// <summary>Disposes every idle runtime, freeing its instances (and the address space of their memories).</summary>
    public void DropIdle()
    {
        WasmRuntime[] idle;
        lock (_idle)
        {
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var runtime in idle) runtime.Dispose();
    }

    public void Dispose()
    {
        Pools.TryRemove(this, out _);
        lock (_idle)
        {
            _disposed = true;
            while (_idle.Count > 0) _idle.Pop().Dispose();
        }
    }
}
