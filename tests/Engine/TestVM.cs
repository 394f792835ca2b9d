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

    public static VM Ephemeral(VMOptions? options = null) => VM.Ephemeral((options ?? new VMOptions()) with { Memory = Path });

    public static VM Open(string directory, VMOptions? options = null) => VM.Open(directory, (options ?? new VMOptions()) with { Memory = Path });
}
