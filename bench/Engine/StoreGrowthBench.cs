using BenchmarkDotNet.Attributes;
using Piecrust.Storage;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Issue D, "store growth per commit for an 8-byte change in a 1 MiB random memory (≤ 8 KiB)", and
/// issue J point 4 (≤ 4 KiB): each invocation writes 8 new bytes into one page of a memory filled
/// with random bytes (which do not compress) and commits. The ObjectsWritten, BytesWritten
/// (keys and values of objects and counts) and BatchBytes (the whole RocksDB batch: those, the
/// commit record, the sequence and RocksDB's framing) columns give what one commit adds; the
/// <c>// note</c> lines take the batch apart (<see cref="Storage.BatchAnatomy"/>). Side by side:
/// <see cref="PageDeltaLimit"/> 0 stores every page whole (as before pages were stored as
/// differences), 1,024 is the store's default. Baseline of the times: a raw Wasmtime call of the same write.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(EngineCategories.Engine, EngineCategories.Growth)]
public class StoreGrowthBench
{
    private VM _vm = null!;
    private Session _session = null!;
    private ContractId _id;
    private RawInstance _raw = null!;
    private ulong _counter;

    /// <summary>Memory path of the session.</summary>
    [Params(MemoryPath.Mapped, MemoryPath.Plain)]
    public MemoryPath Path { get; set; }

    /// <summary><see cref="PageStoreOptions.PageDeltaLimit"/>: 0 = every page stored whole; 1,024 = the default.</summary>
    [Params(0, 1024)]
    public int PageDeltaLimit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_vm, _id, var root) = BenchContract.Committed(Path, wasmPages: 16, random: true, new PageStoreOptions { PageDeltaLimit = PageDeltaLimit });
        _session = _vm.Session(new SessionData { Base = root });
        _raw = new RawInstance(16);
        _vm.Store.KeepLastBatch = true;
        ChangeEightBytesAndCommit();
        var write = _vm.LastWrite;
        var anatomy = Storage.BatchAnatomy.Of(_vm.Store, _vm.Store.LastBatch!);
        _vm.Store.KeepLastBatch = false;
        if (anatomy.TotalBytes != write.BatchBytes) throw new InvalidOperationException("The batch taken apart is not the batch written.");
        Metrics.Record(this, Metrics.ObjectsWritten, write.ObjectsWritten);
        Metrics.Record(this, Metrics.BytesWritten, write.BytesWritten);
        Metrics.Record(this, Metrics.BatchBytes, write.BatchBytes);
        foreach (var line in anatomy.Breakdown()) Metrics.Note(this, line);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _vm.Dispose();
        _raw.Dispose();
    }

    /// <summary>The same 8-byte write by a raw Wasmtime call.</summary>
    [Benchmark(Baseline = true)]
    public int RawWrite()
    {
        BenchContract.Dirty(100, 1, ++_counter).CopyTo(_raw.Memory.GetSpan(0, 16));
        return _raw.Dirty(16);
    }

    /// <summary>Write 8 bytes into one page and commit.</summary>
    [Benchmark]
    public Hash ChangeEightBytesAndCommit()
    {
        _session.Call(_id, "dirty", BenchContract.Dirty(100, 1, ++_counter), BenchContract.Gas);
        return _session.Commit();
    }
}
