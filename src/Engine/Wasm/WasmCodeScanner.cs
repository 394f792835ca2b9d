namespace Piecrust.Wasm;

/// <summary>
/// Decodes every instruction of a function body (so immediates are skipped exactly) and records the
/// instructions that mutate instance state. Checks structure only (opcodes, immediates, block nesting,
/// the body ending with its final <c>end</c>); typing is left to the engine's validator.
/// </summary>
internal static class WasmCodeScanner
{
    /// <summary>
    /// Scans one body and returns its number of control instructions: block, loop, if, br, br_if,
    /// each br_table target (the default included), and calls. Each makes the compiler build basic
    /// blocks or call sites, which cost far more to compile than straight-line code of the same size.
    /// </summary>
    public static long ScanBody(ref WasmReader body, WasmScanState state)
    {
        int depth = 0;
        long before = state.ControlInstructions;
        while (!ReadInstruction(ref body, state, ref depth, out _))
        {
        }

        return state.ControlInstructions - before;
    }

    /// <summary>
    /// Reads one instruction with its immediates and returns true when it was the body's final
    /// <c>end</c>; <paramref name="depth"/> tracks block nesting across calls (start at 0).
    /// <paramref name="opcode"/> is the instruction's <see cref="WasmOpcodes"/> value.
    /// </summary>
    public static bool ReadInstruction(ref WasmReader body, WasmScanState state, ref int depth, out uint opcode)
    {
        if (body.AtEnd)
        {
            throw body.Error("function body ends before its final 'end'");
        }

        int at = body.Position;
        byte op = body.ReadByte("opcode");
        opcode = op;
        switch (op)
        {
            case 0x00 or 0x01 or 0x05 or 0x0F or 0x1A or 0x1B or 0xD1:
                break;
            case >= 0x45 and <= 0xC4:
                // Numeric operators (MVP and sign-extension): no immediates.
                break;
            case 0x02 or 0x03 or 0x04:
                ReadBlockType(ref body, state);
                depth++;
                state.ControlInstructions++;
                break;
            case 0x0B:
                if (depth == 0)
                {
                    if (!body.AtEnd)
                    {
                        throw body.Error($"{body.Remaining} bytes follow the final 'end' of a function body");
                    }

                    return true;
                }

                depth--;
                break;
            case 0x0C or 0x0D:
                body.ReadU32("branch label");
                state.ControlInstructions++;
                break;
            case 0x0E:
            {
                uint count = body.ReadCount("br_table target");
                for (ulong i = 0; i <= count; i++)
                {
                    body.ReadU32("br_table label");
                }

                state.ControlInstructions += count + 1L;
                break;
            }

            case 0x10 or 0x12:
                body.ReadU32("call function index");
                state.ControlInstructions++;
                break;
            case 0x11 or 0x13:
                body.ReadU32("call_indirect type index");
                body.ReadU32("call_indirect table index");
                state.ControlInstructions++;
                break;
            case 0x1C:
            {
                uint count = body.ReadCount("select type");
                for (uint i = 0; i < count; i++)
                {
                    WasmValueTypes.Read(ref body, "select type");
                }

                break;
            }

            case 0x20 or 0x21 or 0x22:
                body.ReadU32("local index");
                break;
            case 0x23:
                body.ReadU32("global index");
                break;
            case 0x24:
            {
                int idxAt = body.Position;
                uint global = body.ReadU32("global index");
                if (global >= state.GlobalCount)
                {
                    throw new WasmFormatException($"global.set of global {global}, but the module has {state.GlobalCount} globals", idxAt);
                }

                state.GlobalsWritten.Add(global);
                state.Ops |= WasmStateOps.GlobalSet;
                break;
            }

            case 0x25:
                body.ReadU32("table index");
                break;
            case 0x26:
                body.ReadU32("table index");
                state.Ops |= WasmStateOps.TableSet;
                break;
            case >= 0x28 and <= 0x3E:
                ReadMemArg(ref body);
                break;
            case 0x3F:
                body.ReadU32("memory index");
                break;
            case 0x40:
                body.ReadU32("memory index");
                state.Ops |= WasmStateOps.MemoryGrow;
                break;
            case 0x41:
                body.ReadS32("i32.const immediate");
                break;
            case 0x42:
                body.ReadS64("i64.const immediate");
                break;
            case 0x43:
                body.Skip(4, "f32.const immediate");
                break;
            case 0x44:
                body.Skip(8, "f64.const immediate");
                break;
            case 0xD0:
                WasmValueTypes.ReadReferenceType(ref body, "ref.null heap type");
                break;
            case 0xD2:
                body.ReadU32("ref.func function index");
                break;
            case 0xFC:
                opcode = WasmOpcodes.Misc(ScanMiscPrefix(ref body, state, at));
                break;
            case 0xFD:
                opcode = WasmOpcodes.Simd(ScanSimdPrefix(ref body, at));
                break;
            case 0xFE:
                opcode = WasmOpcodes.Atomic(ScanAtomicPrefix(ref body, at));
                break;
            default:
                throw new WasmFormatException($"unknown or unsupported opcode 0x{op:X2}", at);
        }

        return false;
    }

    /// <summary>
    /// 0x40 (empty) or a value type as one byte; otherwise a type index as a non-negative s33
    /// (decoded the way Wasmtime does, so both agree on where the next instruction starts).
    /// </summary>
    private static void ReadBlockType(ref WasmReader body, WasmScanState state)
    {
        int at = body.Position;
        byte first = body.PeekByte("block type");
        if (first == 0x40 || WasmValueTypes.IsValueType(first))
        {
            body.ReadByte("block type");
            return;
        }

        long index = body.ReadS33("block type");
        if (index < 0)
        {
            throw new WasmFormatException("invalid block type", at);
        }

        if (index >= state.TypeCount)
        {
            throw new WasmFormatException($"block type index {index} out of range ({state.TypeCount} types)", at);
        }
    }

    /// <summary>
    /// align:u32 (bit 6 set = a memory index follows, multi-memory), then offset as u64 (memory64 offsets
    /// need all 64 bits; 32-bit memories are range-checked by the validator).
    /// </summary>
    private static void ReadMemArg(ref WasmReader body)
    {
        int at = body.Position;
        uint flags = body.ReadU32("memarg alignment");
        if ((flags & 0x40) != 0)
        {
            body.ReadU32("memarg memory index");
            flags &= ~0x40u;
        }

        if (flags >= 64)
        {
            throw new WasmFormatException($"malformed memarg alignment flags 0x{flags:X}", at);
        }

        body.ReadU64("memarg offset");
    }

    private static uint ScanMiscPrefix(ref WasmReader body, WasmScanState state, int at)
    {
        uint sub = body.ReadU32("0xFC sub-opcode");
        switch (sub)
        {
            case <= 7:
                // Saturating truncations.
                break;
            case 8:
                body.ReadU32("memory.init data index");
                body.ReadU32("memory.init memory index");
                state.Ops |= WasmStateOps.MemoryInit;
                break;
            case 9:
                body.ReadU32("data.drop data index");
                state.Ops |= WasmStateOps.DataDrop;
                break;
            case 10:
                body.ReadU32("memory.copy memory index");
                body.ReadU32("memory.copy memory index");
                break;
            case 11:
                body.ReadU32("memory.fill memory index");
                break;
            case 12:
                body.ReadU32("table.init element index");
                body.ReadU32("table.init table index");
                state.Ops |= WasmStateOps.TableInit;
                break;
            case 13:
                body.ReadU32("elem.drop element index");
                state.Ops |= WasmStateOps.ElemDrop;
                break;
            case 14:
                body.ReadU32("table.copy table index");
                body.ReadU32("table.copy table index");
                state.Ops |= WasmStateOps.TableCopy;
                break;
            case 15:
                body.ReadU32("table.grow table index");
                state.Ops |= WasmStateOps.TableGrow;
                break;
            case 16:
                body.ReadU32("table.size table index");
                break;
            case 17:
                body.ReadU32("table.fill table index");
                state.Ops |= WasmStateOps.TableFill;
                break;
            default:
                throw new WasmFormatException($"unknown or unsupported opcode 0xFC {sub}", at);
        }

        return sub;
    }

    private static uint ScanSimdPrefix(ref WasmReader body, int at)
    {
        uint sub = body.ReadU32("0xFD sub-opcode");
        switch (WasmSimdOpcodes.Lookup(sub))
        {
            case WasmSimdOpcodes.Immediate.None:
                break;
            case WasmSimdOpcodes.Immediate.MemArg:
                ReadMemArg(ref body);
                break;
            case WasmSimdOpcodes.Immediate.MemArgLane:
                ReadMemArg(ref body);
                body.ReadByte("lane index");
                break;
            case WasmSimdOpcodes.Immediate.Lane:
                body.ReadByte("lane index");
                break;
            case WasmSimdOpcodes.Immediate.Bytes16:
                body.Skip(16, "16-byte SIMD immediate");
                break;
            default:
                throw new WasmFormatException($"unknown or unsupported opcode 0xFD 0x{sub:X}", at);
        }

        return sub;
    }

    private static uint ScanAtomicPrefix(ref WasmReader body, int at)
    {
        uint sub = body.ReadU32("0xFE sub-opcode");
        switch (sub)
        {
            case <= 0x02 or (>= 0x10 and <= 0x4E):
                // notify, wait32/64, and all atomic loads, stores and read-modify-writes.
                ReadMemArg(ref body);
                break;
            case 0x03:
            {
                int flagsAt = body.Position;
                if (body.ReadByte("atomic.fence flags") != 0)
                {
                    throw new WasmFormatException("atomic.fence flags byte must be 0", flagsAt);
                }

                break;
            }

            default:
                throw new WasmFormatException($"unknown or unsupported opcode 0xFE 0x{sub:X}", at);
        }

        return sub;
    }
}
