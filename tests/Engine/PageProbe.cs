namespace Piecrust.Tests.Engine;

/// <summary>
/// A WAT contract that writes and reads one u64 per 4 KiB page: <c>write</c> takes [u32 page][u64 value]
/// and stores the value at offset 64 of that page; <c>read</c> takes [u32 page] and returns that u64.
/// Used where tests need to touch chosen pages of a memory (images, warm-up, soak).
/// </summary>
internal static class PageProbe
{
    private const ulong Gas = 10_000_000;

    /// <param name="memory">The memory's limits in WAT, e.g. <c>16</c> or <c>16 16</c> (64 KiB pages).</param>
    /// <param name="variant">When given, an exported global that makes otherwise equal modules distinct.</param>
    public static byte[] Code(string memory = "16", int? variant = null) => Contracts.Wat($$"""
        (module
          (memory (export "memory") {{memory}})
          (global (export "A") i32 (i32.const 0))
          {{(variant is { } v ? $"(global (export \"variant\") i32 (i32.const {v}))" : "")}}
          (func (export "write") (param i32) (result i32)
            (i64.store offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12)) (i64.load (i32.const 4)))
            (i32.const 0))
          (func (export "read") (param i32) (result i32)
            (i64.store (i32.const 0) (i64.load offset=64 (i32.shl (i32.load (i32.const 0)) (i32.const 12))))
            (i32.const 8)))
        """);

    public static void Write(Session session, ContractId id, uint page, ulong value) =>
        session.Call(id, "write", [.. BitConverter.GetBytes(page), .. BitConverter.GetBytes(value)], Gas);

    public static ulong Read(Session session, ContractId id, uint page) =>
        BitConverter.ToUInt64(session.Call(id, "read", BitConverter.GetBytes(page), Gas).Data);
}
