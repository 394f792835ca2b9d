using Piecrust.Memory;
using Piecrust.Modules;
using Wasmtime;

namespace Piecrust.Execution;

/// <summary>
/// A Wasmtime instance of one contract's code with what calls need from it looked up once: its
/// memory, the globals reset before each top-level call and the exports called so far. It outlives
/// the session that made it: <see cref="WasmRuntime"/> keeps it, memory cleared, for the next session.
/// </summary>
internal sealed class LiveInstance
{
    private readonly Dictionary<string, Func<int, int>> _functions = new(StringComparer.Ordinal);
    private readonly Global[] _resetGlobals;
    private HashSet<uint>? _droppedData;

    public LiveInstance(CompiledContract code, Instance instance)
    {
        Code = code;
        Instance = instance;
        Memory = new LinearMemory(instance.GetMemory("memory") ?? throw new InvalidOperationException("A validated contract has no memory export."),
            code.InitialMemory, code.MaxMemory);
        // One write must populate 4 KiB, not a 2 MiB huge page, wherever it lands in the (up to 4 TiB)
        // memory: host RAM follows the stores paid for, and dirty tracking stays per 4 KiB page.
        Posix.NoHugePages(Memory.Address, Memory.Capacity);
        _resetGlobals = code.GlobalResets
            .Select(r => instance.GetGlobal(r.ExportName) ?? throw new InvalidOperationException($"Injected global export {r.ExportName} is missing."))
            .ToArray();
    }

    public CompiledContract Code { get; }
    public Instance Instance { get; }
    public LinearMemory Memory { get; }

    /// <summary>Restores every mutable global the code writes to its initial value.</summary>
    public void ResetGlobals()
    {
        for (int i = 0; i < _resetGlobals.Length; i++) _resetGlobals[i].SetValue(Code.GlobalResets[i].InitialValue);
    }

    /// <summary>The values of the globals <see cref="ResetGlobals"/> resets, and the data segments dropped so far: what a sub-call may change besides memory.</summary>
    public (object?[] Globals, uint[]? DroppedData) SaveState()
    {
        var values = new object?[_resetGlobals.Length];
        for (int i = 0; i < values.Length; i++) values[i] = _resetGlobals[i].GetValue();
        return (values, _droppedData?.ToArray());
    }

    /// <summary>Puts back what <see cref="SaveState"/> returned (a failed sub-call is undone).</summary>
    public void RestoreState((object?[] Globals, uint[]? DroppedData) state)
    {
        for (int i = 0; i < state.Globals.Length; i++) _resetGlobals[i].SetValue(state.Globals[i]);
        _droppedData = state.DroppedData is null ? null : [.. state.DroppedData];
    }

    /// <summary>
    /// The bytes <c>memory.init</c> of data segment <paramref name="segment"/> reads in this instance:
    /// empty once <c>data.drop</c> dropped it, and for active segments (dropped at instantiation).
    /// </summary>
    public ReadOnlySpan<byte> PassiveData(uint segment) =>
        _droppedData?.Contains(segment) != true && Code.PassiveData.TryGetValue(segment, out var bytes) ? bytes : [];

    /// <summary><c>data.drop</c> of a segment the host serves <c>memory.init</c> for.</summary>
    public void DropData(uint segment) => (_droppedData ??= []).Add(segment);

    /// <summary>Most exports <see cref="LookUpExports"/> looks up.</summary>
    public const int MaxLookedUpExports = 64;

    /// <summary>
    /// Looks up the code's exports ahead of any call (a warm-up, <see cref="ContractState.PrepareForCalls"/>):
    /// Wasmtime's first lookup of an export costs 60–90 µs per instance. At most
    /// <see cref="MaxLookedUpExports"/>, in ordinal order; a later one is looked up by its first call.
    /// </summary>
    public void LookUpExports()
    {
        foreach (string name in Code.Functions.Order(StringComparer.Ordinal).Take(MaxLookedUpExports)) Function(name);
    }

    public Func<int, int> Function(string name)
    {
        if (_functions.TryGetValue(name, out var function)) return function;
        function = Instance.GetFunction<int, int>(name) ?? throw new InvalidOperationException($"A validated export '{name}' is missing.");
        _functions[name] = function;
        return function;
    }

    /// <summary>
    /// While idle: the committed image the memory shows, clean (nothing written, nothing else mapped)
    /// unless <see cref="View"/> says how, or null when every byte is zero.
    /// </summary>
    public ImageKey? Shows { get; private set; }

    /// <summary>While idle and showing an image: how, when not as a clean mapping of its files (<see cref="IdleView"/>).</summary>
    public IdleView? View { get; private set; }

    /// <summary>What a state loaded into this idle instance finds in its memory.</summary>
    public PriorContent Prior => Shows is { } key ? PriorContent.Showing(key, View) : PriorContent.Zeros;

    /// <summary>While idle: the mappings of image files its memory holds (a clean image counts as many as one may have).</summary>
    public int ShownRuns => Shows is null ? 0 : View?.Runs ?? MappedContractMemory.MaxIdleImageRuns;

    /// <summary>Records what the idle memory shows (<paramref name="view"/> only with an image).</summary>
    public void Show(ImageKey? image, IdleView? view)
    {
        Shows = image;
        View = image is null ? null : view;
    }

    /// <summary>
    /// Makes every byte of the memory zero again (up to its capacity: bytes past the length are state
    /// too), its pages handed back to the kernel and any image mappings gone, so nothing of one
    /// session reaches the next one to use the instance.
    /// </summary>
    public void ClearMemory()
    {
        Posix.MapZeros(Memory.Address, Memory.Capacity);
        Posix.NoHugePages(Memory.Address, Memory.Capacity); // a new mapping: the advice again
        Show(null, null);
    }
}
