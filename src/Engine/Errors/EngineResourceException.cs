namespace Piecrust;

/// <summary>
/// The operating system refused the engine something it needs for a contract's memory: a memory
/// mapping (most often because the process reached <c>vm.max_map_count</c>, or ran out of address
/// space or memory), a page-table read, or memory growth to a stored contract's length. Nothing of
/// the failed operation is committed; a failed call is reverted like any other. Retry once the
/// resource is available (fewer sessions at once, a higher <c>vm.max_map_count</c>, more memory, or a
/// larger <see cref="VMOptions.MaxMemory"/> for a stored memory beyond it).
/// </summary>
public sealed class EngineResourceException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public EngineResourceException(string message) : base(message) { }
}
