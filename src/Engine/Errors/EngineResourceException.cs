namespace Piecrust;

/// <summary>
/// The operating system refused the engine something a contract's memory needs: a memory mapping
/// (most often because the process reached <c>vm.max_map_count</c>, or ran out of address space or
/// memory), a read of its page tables, or growth of a memory to a stored contract's length (also
/// refused when that length is over <see cref="VMOptions.MaxMemory"/>). The store is unchanged unless
/// the message says a commit was written; a failed call is reverted like any other, but the
/// session's uncommitted state may be incomplete: dispose it, and retry once the resource is there
/// (fewer sessions at once, a higher <c>vm.max_map_count</c>, more memory or a larger MaxMemory).
/// </summary>
public sealed class EngineResourceException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public EngineResourceException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public EngineResourceException(string message, Exception inner) : base(message, inner) { }
}
