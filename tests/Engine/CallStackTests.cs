using System.Text;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Contract code may use 512 KiB of native stack (nested calls included) whatever thread calls it:
/// a call from a thread with too little stack left runs on a helper thread, so a 256 KiB thread
/// gets the same typed outcomes as a large one and never overflows its own stack.
/// </summary>
public sealed class CallStackTests
{
    private const int SmallStack = 256 * 1024;
    private const int CallCodeUnknown = int.MinValue;

    /// <summary>
    /// A contract whose <c>dive</c> keeps <paramref name="locals"/> i64 values (loaded from memory, so
    /// they live in its native frame) across a call to itself: <c>u32 n</c> → n nested self-calls.
    /// The innermost frame returns <c>[i32 0][i64 0]</c>; a frame whose self-call fails returns
    /// <c>[i32 code][i64 locals × n]</c>; the others pass the inner result through.
    /// </summary>
    private static byte[] Diver(int locals)
    {
        var wat = new StringBuilder("""
            (module
              (import "env" "c" (func $c (param i32 i32 i32 i32 i64) (result i32)))
              (import "env" "self_id" (func $self))
              (memory (export "memory") 8)
              (global (export "A") i32 (i32.const 458752))
              (data (i32.const 400040) "dive")
              (func (export "dive") (param $len i32) (result i32)
                (local $n i64) (local $code i32) (local $sum i64)
            """);
        wat.Append("(local").Append(string.Concat(Enumerable.Repeat(" i64", locals))).AppendLine(")");
        wat.AppendLine("(local.set $n (i64.load32_u (i32.const 458752)))");
        for (int i = 0; i < locals; i++) wat.AppendLine($"(local.set {4 + i} (i64.xor (local.get $n) (i64.load (i32.const {8 * i}))))");
        wat.AppendLine("""
            (if (i64.ne (local.get $n) (i64.const 0))
              (then
                (call $self)
                (memory.copy (i32.const 400000) (i32.const 458752) (i32.const 32))
                (i32.store (i32.const 458752) (i32.wrap_i64 (i64.sub (local.get $n) (i64.const 1))))
                (local.set $code (call $c (i32.const 400000) (i32.const 400040) (i32.const 4) (i32.const 4) (i64.const 0)))
                (if (i32.ge_s (local.get $code) (i32.const 0)) (then (return (local.get $code))))))
            """);
        for (int i = 0; i < locals; i++) wat.AppendLine($"(local.set $sum (i64.add (local.get $sum) (local.get {4 + i})))");
        wat.AppendLine("""
            (i32.store (i32.const 458752) (local.get $code))
            (i64.store (i32.const 458756) (local.get $sum))
            (i32.const 12)))
            """);
        return Contracts.Wat(wat.ToString());
    }

    [Theory]
    [InlineData(16, 0)] // 48 frames fit in Wasmtime's limit
    [InlineData(2_000, CallCodeUnknown)] // 16 KB frames: the limit stops the chain part-way
    [InlineData(20_000, CallCodeUnknown)] // 160 KB frames: three fit (a 426 KB body, allowed by a raised MaxFunctionBodySize)
    public void Forty_eight_nested_calls_from_a_256_KiB_thread_end_as_on_a_large_one(int locals, int expectedCode)
    {
        // Frames of any size a VM may allow: the body limit is configurable, so test past the default.
        using var f = new SessionFixture(new VMOptions { MaxFunctionBodySize = 1 << 20 });
        var diver = f.Session.Deploy(Diver(locals), new ContractData(Contracts.Owner), Contracts.Gas);
        CallReceipt Dive() => f.Call(diver, "dive", Contracts.Le(47u), 1_000_000_000);

        var large = Dive().Data;
        var small = OnThread(SmallStack, Dive).Data;

        foreach (var data in new[] { large, small })
        {
            Assert.Equal(12, data.Length);
            Assert.Equal(expectedCode, BitConverter.ToInt32(data));
            ulong sum = BitConverter.ToUInt64(data, 4);
            if (expectedCode == 0) Assert.Equal(0UL, sum);
            else Assert.InRange(48 - (int)(sum / (ulong)locals), 2, 47); // the depth of the frame whose self-call hit the limit
        }
        Assert.Equal(BitConverter.ToInt32(large), BitConverter.ToInt32(small));
    }

    [Fact]
    public void The_deepest_inter_contract_recursion_from_a_256_KiB_thread_hits_the_depth_limit_typed()
    {
        using var f = new SessionFixture();
        var center = f.Deploy("callcenter");
        Assert.Equal(Contracts.Cat(Contracts.Le(0), Contracts.Le(48u)), OnThread(SmallStack, () => f.Call(center, "recurse", Contracts.Le(47u), 10_000_000)).Data);
        Assert.Equal(Contracts.Cat(Contracts.Le(int.MinValue), Contracts.Le(48u)), OnThread(SmallStack, () => f.Call(center, "recurse", Contracts.Le(100_000u), 10_000_000)).Data);
    }

    [Fact]
    public void Runaway_recursion_inside_one_contract_on_a_256_KiB_thread_traps_typed_and_changes_nothing()
    {
        const string memory = """(memory (export "memory") 2) (global (export "A") i32 (i32.const 65536))""";
        using var f = new SessionFixture();
        var plain = f.Session.Deploy(Contracts.Wat($"""(module {memory} (func $r (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1)))) (func (export "f") (param i32) (result i32) (call $r (i32.const 0))))"""),
            new ContractData(Contracts.Owner), Contracts.Gas);
        var wide = f.Session.Deploy(Contracts.Wat($"""(module {memory} (func $r (param i64) (result i64) (local {string.Join(" ", Enumerable.Repeat("i64", 1000))}) (call $r (local.get 0))) (func (export "f") (param i32) (result i32) (drop (call $r (i64.const 0))) i32.const 0))"""),
            new ContractData(Contracts.Owner), Contracts.Gas);
        foreach (var id in new[] { plain, wide })
        {
            var root = f.Session.Root;
            var error = Assert.Throws<ContractTrapException>(() => OnThread(SmallStack, () => f.Call(id, "f", [], 1_000_000_000)));
            Assert.Contains("call stack exhausted", error.Message);
            Assert.Equal(root, f.Session.Root);
        }
    }

    [Fact]
    public void A_call_runs_on_the_calling_thread_when_it_has_the_stack_and_on_a_helper_when_not()
    {
        using var f = new SessionFixture();
        var feeder = f.Deploy("feeder");
        (int Caller, int Feeder) Threads()
        {
            int feederThread = 0;
            f.Session.FeederCall(feeder, "feed_num", Contracts.Le(1u), Contracts.Gas, _ => feederThread = Environment.CurrentManagedThreadId);
            return (Environment.CurrentManagedThreadId, feederThread);
        }

        var onDefault = OnThread(0, Threads); // a .NET thread of the default 1.5 MiB
        Assert.Equal(onDefault.Caller, onDefault.Feeder);
        var onSmall = OnThread(SmallStack, Threads);
        Assert.NotEqual(onSmall.Caller, onSmall.Feeder);
    }

    /// <summary>Runs <paramref name="body"/> on a new thread of <paramref name="stackSize"/> bytes (0: the default) and returns or rethrows its outcome.</summary>
    private static T OnThread<T>(int stackSize, Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, stackSize);
        thread.Start();
        thread.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }
}
