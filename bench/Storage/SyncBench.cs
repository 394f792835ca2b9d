using BenchmarkDotNet.Attributes;
using Piecrust.Storage;
using RocksDbSharp;

namespace Piecrust.Bench.Storage;

/// <summary>
/// Issue I, "sync throughput against a raw RocksDB read and write of the same bytes": pulling a state of
/// <see cref="Pages"/> pages of random content (plus its tree nodes and bytecode) from a store in this
/// process into a fresh one with <see cref="VM.Sync"/>, against reading the same objects' stored values
/// from the source's RocksDB and writing them into a bare RocksDB in batches of the same size.
/// </summary>
/// <remarks>
/// <para><b>Sync</b>: the receiver's whole path minus the network: walk from the root, existence checks,
/// the source's verified reads (LZ4 decode and BLAKE3), the receiver's verification (BLAKE3 per page,
/// node hash, place rules, bytecode validation), LZ4 and pinned writes every 1024 objects, the commit.</para>
/// <para><b>RawReadWrite</b> (baseline): for each object, one RocksDB get of its stored value from the
/// source and one put into a bare RocksDB (no verification, no hashing, no tree walk), a batch written
/// every 1024 objects — the floor for "copy these bytes from one RocksDB to another".</para>
/// <para>Throughput = <see cref="ContentBytes"/> (pages 4096 bytes each, nodes, bytecode) / time. The
/// diff-sync figure (objects fetched for one changed page against the path length) is printed as a note
/// in setup.</para>
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
[BenchmarkCategory(Categories.Storage, "Sync")]
public class SyncBench
{
    /// <summary>fill([u32 first page][u32 count][u32 seed]): xorshift bytes over each whole page (incompressible).</summary>
    private const string RandomFillerWat = """
        (module
          (memory (export "memory") 1)
          (global (export "A") i32 (i32.const 0))
          (func (export "fill") (param i32) (result i32)
            (local $p i32) (local $end i32) (local $need i32) (local $have i32) (local $a i32) (local $stop i32) (local $x i64)
            (local.set $p (i32.load (i32.const 0)))
            (local.set $end (i32.add (local.get $p) (i32.load (i32.const 4))))
            (local.set $x (i64.extend_i32_u (i32.or (i32.load (i32.const 8)) (i32.const 1))))
            (local.set $need (i32.shr_u (i32.add (local.get $end) (i32.const 15)) (i32.const 4)))
            (local.set $have (memory.size))
            (if (i32.gt_u (local.get $need) (local.get $have))
              (then (drop (memory.grow (i32.sub (local.get $need) (local.get $have))))))
            (local.set $a (i32.shl (local.get $p) (i32.const 12)))
            (local.set $stop (i32.shl (local.get $end) (i32.const 12)))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $a) (local.get $stop)))
                (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
                (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
                (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
                (i64.store (local.get $a) (local.get $x))
                (local.set $a (i32.add (local.get $a) (i32.const 8)))
                (br $next)))
            (i32.const 0)))
        """;

    private const int Batch = 1024;
    private VM _source = null!;
    private Hash _root;
    private List<ObjectRef> _objects = null!;
    private VM? _target;
    private RawPageDb? _raw;

    /// <summary>Pages of the synced state (4096 = 16 MiB).</summary>
    [Params(4096)]
    public int Pages { get; set; }

    /// <summary>Bytes of the objects' content a sync moves.</summary>
    public long ContentBytes { get; private set; }

    /// <summary>Builds the source state, lists its objects, and measures a one-page diff sync.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _source = VM.Ephemeral(new VMOptions { Durable = false });
        ContractId contract;
        using (var session = _source.Session())
        {
            contract = session.Deploy(Wasmtime.Module.ConvertText(RandomFillerWat), new ContractData(new byte[] { 1 }, default), 10_000_000);
            session.Call(contract, "fill", Args(16, (uint)Pages, 7), 100_000_000_000);
            _root = session.Commit();
        }
        _objects = Walk(_source.Store, _root);
        ContentBytes = _objects.Sum(o => (long)_source.ReadObject(o)!.Length);
        Metrics.Record(this, Metrics.ObjectsWritten, _objects.Count);
        Metrics.Record(this, Metrics.BytesWritten, ContentBytes);

        Hash changed;
        using (var session = _source.Session(new SessionData { Base = _root }))
        {
            session.Call(contract, "fill", Args(16 + (uint)Pages / 2, 1, 99), 10_000_000);
            changed = session.Commit();
        }
        using var peer = VM.Ephemeral(new VMOptions { Durable = false });
        peer.Sync(_source.SyncSource(), _root);
        var diff = peer.Sync(_source.SyncSource(), changed);
        // The call changes two pages: the filled one and page 0, where its argument buffer lies. Their
        // page-tree paths share the levels above the first bit where the indices differ.
        int shared = 20 - (32 - System.Numerics.BitOperations.LeadingZeroCount(16u + (uint)Pages / 2)) + 1;
        int paths = 1 + shared + 2 * (20 - shared) + 2;
        Metrics.Note(this, $"diff of a call changing 2 pages: {diff.ObjectsFetched} objects fetched ({diff.BytesFetched} bytes), {diff.AlreadyPresent} held; the two paths hold {paths} objects (leaf + {shared} shared and 2 x {20 - shared} own page-tree nodes + 2 pages)");
    }

    /// <summary>A fresh target for each measured sync.</summary>
    [IterationSetup]
    public void Fresh()
    {
        _target = VM.Ephemeral(new VMOptions { Durable = false });
        _raw = new RawPageDb(durable: false);
    }

    /// <summary>Drops the iteration's target.</summary>
    [IterationCleanup]
    public void Drop()
    {
        _target?.Dispose();
        _raw?.Dispose();
    }

    /// <summary>Disposes the source.</summary>
    [GlobalCleanup]
    public void Cleanup() => _source.Dispose();

    /// <summary>Pull the whole state into an empty store.</summary>
    [Benchmark]
    public long Sync() => _target!.Sync(_source.SyncSource(Batch), _root).ObjectsFetched;

    /// <summary>Get each object's stored value from the source's RocksDB, put it into a bare one, a batch every 1024.</summary>
    [Benchmark(Baseline = true)]
    public int RawReadWrite()
    {
        var key = new byte[1 + Hash.Size];
        var batch = new WriteBatch();
        int inBatch = 0;
        foreach (var reference in _objects)
        {
            var value = _source.Store.ReadStoredValue(reference)!;
            key[0] = (byte)reference.Kind;
            reference.Key.CopyTo(key.AsSpan(1));
            batch.Put(key, value);
            if (++inBatch == Batch)
            {
                _raw!.Write(batch);
                batch.Dispose();
                batch = new WriteBatch();
                inBatch = 0;
            }
        }
        _raw!.Write(batch);
        batch.Dispose();
        return _objects.Count;
    }

    private static byte[] Args(uint first, uint count, uint seed) =>
        [.. BitConverter.GetBytes(first), .. BitConverter.GetBytes(count), .. BitConverter.GetBytes(seed)];

    private static List<ObjectRef> Walk(PageStore store, Hash root)
    {
        var all = new List<ObjectRef>();
        var seen = new HashSet<ObjectRef>();
        var pending = new Stack<ObjectRef>([ObjectRef.Node(root)]);
        var children = new List<ObjectRef>();
        while (pending.TryPop(out var reference))
        {
            if (!seen.Add(reference)) continue;
            all.Add(reference);
            if (reference.Kind != ObjectKind.Node) continue;
            children.Clear();
            store.Layout.AddChildren(store.ReadNode(reference.Key), children);
            foreach (var child in children) pending.Push(child);
        }
        return all;
    }
}
