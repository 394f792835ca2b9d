namespace Piecrust;

/// <summary>
/// The operating system refused the engine something a contract's memory needs: address space for
/// another memory (each 64-bit memory spans 4 TiB of the process's 128 TiB, so only a few dozen can
/// be open at once, in all sessions together), a memory mapping (most often because the process
/// reached <c>vm.max_map_count</c>, or ran out of memory), a read of its page tables, or a memory of
/// a stored contract's length (refused when that length is over <see cref="VMOptions.MaxMemory"/>).
/// Not the contract's fault and not deterministic, so never turned into a contract error. The store is unchanged unless
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
