namespace Piecrust.Memory;

/// <summary>
/// A contract's memory as a session sees it between top-level calls: its length and the pages it
/// changed since the session's base. Implementations load that state into a fresh instance, take
/// in what a successful call wrote, and hand the changed pages to commit. Used by one session thread.
/// </summary>
internal abstract class ContractMemory
{
    /// <summary>Length in bytes as of the last successful call (a multiple of 64 KiB).</summary>
    public abstract ulong Length { get; }

    /// <summary>True when some page or the length differs from the base.</summary>
    public abstract bool Modified { get; }

    /// <summary>Makes a freshly instantiated memory show this state (grows it to <see cref="Length"/>, replaces every byte).</summary>
    public abstract void LoadInto(LinearMemory memory);

    /// <summary>Takes in the state a successful call left in <paramref name="memory"/>.</summary>
    public abstract void CaptureFrom(LinearMemory memory);

    /// <summary>Pages changed since the base, ascending, with their current bytes (all zeros for a cleared page).</summary>
    public abstract IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> ChangedPages();

    /// <summary>Copies page <paramref name="index"/> (4 KiB) of the current state into <paramref name="destination"/>.</summary>
    public abstract void ReadPage(ulong index, Span<byte> destination);

    /// <summary>The changed pages are now the base (after a commit).</summary>
    public abstract void MarkCommitted();
}
