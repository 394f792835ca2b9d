namespace Piecrust.Tests.Engine;

/// <summary>
/// VMs for tests, on the memory path chosen by the environment: the engine suite runs once on
/// the default mapped path and once with <c>PIECRUST_TEST_MEMORY_PATH=Plain</c> (scripts/test.sh does both).
/// </summary>
internal static class TestVM
{
    public static readonly MemoryPath Path =
        Environment.GetEnvironmentVariable("PIECRUST_TEST_MEMORY_PATH") is { } value && Enum.TryParse<MemoryPath>(value, ignoreCase: true, out var path)
            ? path
            : MemoryPath.Mapped;

    /// <summary>How failed sub-calls are undone: the default, or the mode <c>PIECRUST_TEST_SUBCALL_UNDO</c> names (InPlace, OnDemand, Reexecute).</summary>
    internal static readonly Execution.SubCallUndo Undo =
        Environment.GetEnvironmentVariable("PIECRUST_TEST_SUBCALL_UNDO") is { } mode && Enum.TryParse<Execution.SubCallUndo>(mode, ignoreCase: true, out var undo)
            ? undo
            : new VMOptions().SubCallUndo;

    public static VM Ephemeral(VMOptions? options = null) => VM.Ephemeral((options ?? new VMOptions()) with { Memory = Path, SubCallUndo = Undo });

    public static VM Open(string directory, VMOptions? options = null) => VM.Open(directory, (options ?? new VMOptions()) with { Memory = Path, SubCallUndo = Undo });
}
