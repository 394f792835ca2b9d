using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;

namespace Piecrust.Tests.Sync;

/// <summary>States of chosen size for sync tests: a contract whose <c>fill</c> writes distinct non-zero pages.</summary>
internal static class SyncStates
{
    /// <summary>fill([u32 first page][u32 count][u32 seed]): grows the memory to cover the pages and writes 8 distinct bytes at the start of each.</summary>
    public const string FillerWat = """
        (module
          (memory (export "memory") 1)
          (global (export "A") i32 (i32.const 0))
          (func (export "fill") (param i32) (result i32)
            (local $p i32) (local $end i32) (local $need i32) (local $have i32)
            (local.set $p (i32.load (i32.const 0)))
            (local.set $end (i32.add (local.get $p) (i32.load (i32.const 4))))
            (local.set $need (i32.shr_u (i32.add (local.get $end) (i32.const 15)) (i32.const 4)))
            (local.set $have (memory.size))
            (if (i32.gt_u (local.get $need) (local.get $have))
              (then (drop (memory.grow (i32.sub (local.get $need) (local.get $have))))))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
                (i32.store (i32.shl (local.get $p) (i32.const 12)) (i32.xor (i32.load (i32.const 8)) (local.get $p)))
                (i32.store (i32.add (i32.shl (local.get $p) (i32.const 12)) (i32.const 4)) (i32.add (local.get $p) (i32.const 1)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $next)))
            (i32.const 0)))
        """;

    /// <summary>The first page fill writes (the 64 KiB argument buffer sits below).</summary>
    public const uint FirstPage = 16;

    public static byte[] Filler => Contracts.Wat(FillerWat);

    public static byte[] FillArgument(uint first, uint count, uint seed) => Contracts.Cat(Contracts.Le(first), Contracts.Le(count), Contracts.Le(seed));

    /// <summary>Deploys the filler, fills <paramref name="pages"/> pages and commits.</summary>
    public static (Hash Root, ContractId Contract) Filled(VM vm, int pages, uint seed = 7)
    {
        using var session = vm.Session();
        var contract = session.Deploy(Filler, new ContractData(Contracts.Owner, default), Contracts.Gas);
        session.Call(contract, "fill", FillArgument(FirstPage, (uint)pages, seed), 1_000_000_000);
        return (session.Commit(), contract);
    }

    /// <summary>Changes one page of <paramref name="contract"/> on top of <paramref name="root"/> and commits.</summary>
    public static Hash ChangeOnePage(VM vm, Hash root, ContractId contract, uint page, uint seed)
    {
        using var session = vm.Session(new SessionData { Base = root });
        session.Call(contract, "fill", FillArgument(page, 1, seed), Contracts.Gas);
        return session.Commit();
    }

    /// <summary>The snapshot bytes of a commit: equal snapshots mean equal states, object for object.</summary>
    public static byte[] Snapshot(VM vm, Hash root)
    {
        var output = new MemoryStream();
        vm.Export(root, output);
        return output.ToArray();
    }

    /// <summary>How many objects a commit reaches (nodes, pages, bytecode).</summary>
    public static long Objects(VM vm, Hash root)
    {
        var info = vm.Export(root, Stream.Null);
        return info.Nodes + info.Pages + info.Bytecodes;
    }
}
