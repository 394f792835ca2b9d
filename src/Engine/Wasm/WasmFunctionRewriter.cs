namespace Piecrust.Wasm;

/// <summary>
/// Rewrites one function body for <see cref="GasTransform"/>, instruction by instruction, copying
/// every byte it does not change: before each store it puts fuel padding that makes the store cost
/// what <see cref="GasSchedule"/> says; each replaced bulk-memory operator becomes a <c>call</c> of its
/// host import (a call costs 1, like the operator); function indices of <c>call</c> and <c>ref.func</c>
/// move past the added imports.
/// </summary>
/// <remarks>
/// Why padding works: Wasmtime adds each operator's fuel when it translates it, summed per basic
/// block and flushed at branches, calls and block ends, and checked only at function entries and
/// loop headers. Padding in the same block as the store, right before it, is therefore exactly a
/// higher price on the store, in reachable and unreachable code alike (Wasmtime charges nothing in
/// unreachable code, and padding there is unreachable too), and charged before the store as
/// piecrust's engine charges an operator's cost before it. See <see cref="Pad"/> for the operators.
/// </remarks>
internal static class WasmFunctionRewriter
{
    /// <summary>Wasmtime's limit on a function's parameters and locals together.</summary>
    public const ulong MaxLocals = 50_000;

    /// <summary>Writes <paramref name="body"/> of <paramref name="module"/>, rewritten, to <paramref name="output"/> (without its size prefix).</summary>
    public static void Rewrite(ReadOnlySpan<byte> module, WasmFunctionBody body, GasPlan plan, WasmScanState scratch, WasmWriter output)
    {
        // Locals are copied as they are, plus one i32 the padding writes (if the function may have one more).
        uint parameters = (uint)plan.ParameterCount(body.TypeIndex);
        uint? padLocal = null;
        if ((ulong)parameters + body.LocalCount < MaxLocals)
        {
            var locals = new WasmReader(module);
            locals.Skip((uint)body.Offset, "module");
            uint groups = locals.ReadU32("local declaration count");
            output.U32(groups + 1);
            output.Bytes(module[locals.Position..body.CodeOffset]);
            output.Byte(1);
            output.Byte((byte)WasmValueType.I32);
            padLocal = parameters + (uint)body.LocalCount;
        }
        else
        {
            output.Bytes(module[body.Offset..body.CodeOffset]);
        }

        var reader = new WasmReader(module);
        reader.Skip((uint)body.CodeOffset, "module");
        var code = reader.Slice((uint)(body.Offset + body.Length - body.CodeOffset), "function body");
        int depth = 0;
        while (true)
        {
            int start = code.Position;
            bool last = WasmCodeScanner.ReadInstruction(ref code, scratch, ref depth, out uint opcode);
            var instruction = module[start..code.Position];
            int extra = GasSchedule.ExtraStoreCost(opcode);
            if (extra > 0)
            {
                Pad(output, extra, padLocal);
                output.Bytes(instruction);
            }
            else if (opcode is WasmOpcodes.Call or WasmOpcodes.RefFunc && plan.Added > 0)
            {
                output.Byte(instruction[0]);
                output.U32(plan.Remap(Immediate(instruction, 1)));
            }
            else if (plan.Replacement(opcode, instruction) is { } function)
            {
                output.Byte((byte)WasmOpcodes.Call);
                output.U32(function);
            }
            else
            {
                output.Bytes(instruction);
            }

            if (last)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stack-neutral operators worth exactly <paramref name="fuel"/> (at least 1) that compile to no
    /// machine code: <c>i32.const 0</c>, (fuel - 1) × <c>local.tee</c> of the padding local, <c>drop</c>.
    /// A <c>local.tee</c> only renames a value while Cranelift builds its SSA form, so the padding costs
    /// almost no compile time (measured in bench/RESULTS.md). A function already at Wasmtime's limit of
    /// locals gets <c>i32.eqz</c>s instead (as dead, but each one an IR instruction to eliminate).
    /// </summary>
    private static void Pad(WasmWriter output, int fuel, uint? local)
    {
        output.Byte((byte)WasmOpcodes.I32Const);
        output.Byte(0);
        for (int i = 1; i < fuel; i++)
        {
            if (local is { } index)
            {
                output.Byte((byte)WasmOpcodes.LocalTee);
                output.U32(index);
            }
            else
            {
                output.Byte((byte)WasmOpcodes.I32Eqz);
            }
        }

        output.Byte((byte)WasmOpcodes.Drop);
    }

    /// <summary>The u32 immediate at <paramref name="offset"/> of an instruction's bytes.</summary>
    internal static uint Immediate(ReadOnlySpan<byte> instruction, int offset)
    {
        var reader = new WasmReader(instruction);
        reader.Skip((uint)offset, "instruction");
        return reader.ReadU32("immediate");
    }
}
