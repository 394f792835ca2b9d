namespace Piecrust.Wasm;

/// <summary>What the code scan accumulates across all function bodies of a module.</summary>
internal sealed class WasmScanState
{
    public WasmScanState(uint typeCount, uint globalCount)
    {
        TypeCount = typeCount;
        GlobalCount = globalCount;
    }

    public uint TypeCount { get; }

    public uint GlobalCount { get; }

    public WasmStateOps Ops { get; set; }

    public HashSet<uint> GlobalsWritten { get; } = [];

    /// <summary>Control instructions read so far (see <see cref="WasmCodeScanner.ScanBody"/>).</summary>
    public long ControlInstructions { get; set; }
}
