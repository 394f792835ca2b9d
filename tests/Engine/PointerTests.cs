using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Pointer checks of every import that takes a pointer, in both flavours: past the maximum memory size is a trap (or Unknown for c).</summary>
public sealed class PointerTests
{
    private const ulong Max32 = 1UL << 32, Max64 = 1UL << 42;

    public static TheoryData<string, ulong> Flavours => new() { { "everything_import.wat", Max32 }, { "everything_import64.wat", Max64 } };

    private static byte[] Le(ulong v) => Contracts.Le(v);
    private static byte[] Le(uint v) => Contracts.Le(v);

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Every_pointer_import_traps_past_the_maximum_memory_size(string module, ulong max)
    {
        using var f = new SessionFixture();
        f.Vm.RegisterHostQuery("q", new PricedQuery(1));
        var id = f.Deploy(module);
        ulong bad = max - 16; // 32 bytes from here cross the maximum
        var cases = new (string Function, byte[] Arg)[]
        {
            ("call_hq", Contracts.Cat(Le(bad), Le(32u), Le(0u))),
            ("call_hd", Contracts.Cat(Le(bad), Le(32u))),
            ("call_emit", Contracts.Cat(Le(bad), Le(32u), Le(0u))),
            ("call_owner", Le(bad)),
        };
        foreach (var (function, arg) in cases)
        {
            var root = f.Session.Root;
            var error = Assert.Throws<ContractTrapException>(() => f.Call(id, function, arg));
            Assert.Contains("out of bounds", error.Message);
            Assert.Contains(max.ToString(), error.Message);
            Assert.Equal(root, f.Session.Root);
        }
        // c never traps on a bad pointer: it answers Unknown.
        Assert.Equal(Contracts.Le(int.MinValue), f.Call(id, "call_c", Contracts.Cat(Le(bad), Le(0UL), Le(1u), Le(0u), Le(0UL))).Data);
        Assert.Equal(Contracts.Le(int.MinValue), f.Call(id, "call_c", Contracts.Cat(Le(0x100UL), Le(bad), Le(32u), Le(0u), Le(0UL))).Data);
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Pointers_inside_the_maximum_but_past_the_current_size_read_zeros(string module, ulong max)
    {
        using var f = new SessionFixture();
        var id = f.Deploy(module);
        ulong beyond = max - 64; // far past the 2 pages the module has
        // owner of the all-zero id: no such contract, so 0 bytes.
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_owner", Le(beyond)).Data);
        // c with an all-zero callee id: it does not exist.
        Assert.Equal(Contracts.Le(-3), f.Call(id, "call_c", Contracts.Cat(Le(beyond), Le(0x200UL), Le(1u), Le(0u), Le(0UL))).Data);
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Lengths_outside_the_argument_buffer_trap(string module, ulong max)
    {
        using var f = new SessionFixture();
        var id = f.Deploy(module);
        Assert.Contains("65537", Assert.Throws<ContractTrapException>(() => f.Call(id, "call_panic", Le(65537u))).Message);
        Assert.Throws<ContractTrapException>(() => f.Call(id, "call_hdebug", Le(0xFFFF_FFFFu)));
        Assert.Throws<ContractTrapException>(() => f.Call(id, "call_emit", Contracts.Cat(Le(0x100UL), Le(1u), Le(70_000u))));
        Assert.True(max > 0);
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void The_imports_work_in_both_flavours(string module, ulong max)
    {
        using var f = new SessionFixture(data: new SessionData { Metadata = { ["k"] = [5, 6] } });
        var id = f.Deploy(module);
        Assert.Equal(id.ToArray(), f.Call(id, "call_self_id").Data);
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_caller").Data);
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_callstack").Data);
        Assert.Equal(Le(Contracts.Gas), f.Call(id, "call_limit").Data);
        Assert.True(BitConverter.ToUInt64(f.Call(id, "call_spent").Data) > 0);
        f.Call(id, "store", Contracts.Cat(Le(0x300UL), "k"u8.ToArray()));
        Assert.Equal(Contracts.Le(2), f.Call(id, "call_hd", Contracts.Cat(Le(0x300UL), Le(1u))).Data);
        var emitted = f.Call(id, "call_emit", Contracts.Cat(Le(0x300UL), Le(1u), Le(3u)));
        Assert.Equal("k", Assert.Single(emitted.Events).Topic);
        Assert.Equal(Contracts.Le(Contracts.Owner.Length), f.Call(id, "call_owner", Le(0UL)).Data);
        // panic's message is A[0..4]: the argument itself, the u32 4.
        Assert.Equal("\u0004\0\0\0", Assert.Throws<ContractPanicException>(() => f.Call(id, "call_panic", Le(4u))).PanicMessage);
        Assert.True(max > 0);
    }

    /// <summary>
    /// Every pointer and length parameter of every import at its edges: lengths that are negative as
    /// i32, past 64 KiB or (for names) past 1 KiB; pointers whose range ends exactly at the maximum
    /// memory size (fine: zeros), one byte further, or wraps around the address space. Each trap leaves
    /// the root unchanged; <c>c</c> answers Unknown instead of trapping.
    /// </summary>
    [Theory]
    [MemberData(nameof(Flavours))]
    public void Every_length_and_pointer_edge_of_every_import_is_checked(string module, ulong max)
    {
        using var f = new SessionFixture();
        f.Vm.RegisterHostQuery("q", new PricedQuery(1));
        var id = f.Deploy(module);
        f.Call(id, "store", Contracts.Cat(Le(0x100UL), id.ToArray()));
        f.Call(id, "store", Contracts.Cat(Le(0x200UL), "noop"u8.ToArray(), new byte[4]));
        f.Call(id, "store", Contracts.Cat(Le(0x300UL), "q"u8.ToArray(), new byte[7]));
        f.Call(id, "store", Contracts.Cat(Le(0x400UL), new byte[] { 0xC3, 0x28 }, new byte[6]));
        ulong Ok(uint length) => max - length;
        ulong Past(uint length) => max - length + 1;
        ulong wrap = max == 1UL << 32 ? 0xFFFF_FFFEUL : ulong.MaxValue - 1; // pointer + length overflows the address arithmetic
        uint[] badLengths = [uint.MaxValue, 0x8000_0000u, 65537u];

        var traps = new List<(string Function, byte[] Arg)>();
        foreach (ulong pointer in new[] { Past(4), wrap })
        {
            traps.Add(("call_hq", Contracts.Cat(Le(pointer), Le(4u), Le(0u))));
            traps.Add(("call_hd", Contracts.Cat(Le(pointer), Le(4u))));
            traps.Add(("call_emit", Contracts.Cat(Le(pointer), Le(4u), Le(0u))));
        }
        foreach (ulong pointer in new[] { Past(32), wrap })
            traps.Add(("call_owner", Le(pointer)));
        foreach (uint length in badLengths)
        {
            traps.Add(("call_hq", Contracts.Cat(Le(0x300UL), Le(length), Le(0u))));
            traps.Add(("call_hq", Contracts.Cat(Le(0x300UL), Le(1u), Le(length))));
            traps.Add(("call_hd", Contracts.Cat(Le(0x300UL), Le(length))));
            traps.Add(("call_emit", Contracts.Cat(Le(0x300UL), Le(length), Le(0u))));
            traps.Add(("call_emit", Contracts.Cat(Le(0x300UL), Le(1u), Le(length))));
            traps.Add(("call_feed", Le(length)));
            traps.Add(("call_panic", Le(length)));
            traps.Add(("call_hdebug", Le(length)));
        }
        foreach (var (function, arg) in traps)
        {
            var root = f.Session.Root;
            var error = Assert.Throws<ContractTrapException>(() => f.Call(id, function, arg));
            Assert.True(error.Message.Contains("out of bounds") || error.Message.Contains("length"), $"{function}({Convert.ToHexString(arg)}): {error.Message}");
            Assert.Equal(root, f.Session.Root);
        }

        // c never traps on its pointers or lengths: Unknown (or DoesNotExist for an all-zero id read past the current size).
        byte[] C(ulong callee, ulong name, uint nameLength, uint argLength, ulong gas = 0) =>
            Contracts.Cat(Le(callee), Le(name), Le(nameLength), Le(argLength), Le(gas));
        var unknown = new List<byte[]> { C(Past(32), 0x200, 4, 0), C(wrap, 0x200, 4, 0), C(0x100, Past(4), 4, 0), C(0x100, wrap, 4, 0), C(0x100, 0x200, 0, 0), C(0x100, 0x400, 2, 0), C(0x100, 0x200, 1025, 0) };
        foreach (uint length in badLengths)
        {
            unknown.Add(C(0x100, 0x200, length, 0));
            unknown.Add(C(0x100, 0x200, 4, length));
        }
        foreach (var arg in unknown)
            Assert.Equal(Contracts.Le(int.MinValue), f.Call(id, "call_c", arg).Data);
        Assert.Equal(Contracts.Le(-3), f.Call(id, "call_c", C(Ok(32), 0x200, 4, 0)).Data);
        // A gas limit of -1 (as i64) or 0 means the default share; the call goes through.
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_c", C(0x100, 0x200, 4, 0, ulong.MaxValue)).Data);
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_c", C(0x100, 0x200, 4, 65536)).Data);
        // Ranges ending exactly at the maximum read zeros.
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_owner", Le(Ok(32))).Data);
        Assert.Equal(Contracts.Le(0), f.Call(id, "call_hd", Contracts.Cat(Le(Ok(4)), Le(4u))).Data);
        Assert.True(traps.Count + unknown.Count >= 40);
    }
}
