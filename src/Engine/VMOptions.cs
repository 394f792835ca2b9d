namespace Piecrust;

/// <summary>How a <see cref="VM"/> runs.</summary>
public sealed record VMOptions
{
    /// <summary>fsync every commit and deletion (default true; ephemeral VMs never are).</summary>
    public bool Durable { get; init; } = true;

    /// <summary>What <see cref="VM.FinalizeCommit"/> does to other commits (default <see cref="HistoryMode.Archive"/>).</summary>
    public HistoryMode History { get; init; } = HistoryMode.Archive;

    /// <summary>How sessions hold contract memories (default <see cref="MemoryPath.Mapped"/>).</summary>
    public MemoryPath Memory { get; init; } = MemoryPath.Mapped;

    /// <summary>
    /// The largest linear memory a contract may have, in bytes (default 4 GiB, the ABI's maximum for
    /// 32-bit contracts; the ABI allows 64-bit ones up to 4 TiB). <c>memory.grow</c> past it fails
    /// (returns -1) and a module whose initial memory is larger is refused at deploy. Why a limit below
    /// the ABI's: the <see cref="MemoryPath.Plain"/> path reads every page of a contract's memory when
    /// it loads it and after each call, and reading a page of Wasmtime memory makes the host allocate
    /// it, so a contract could demand host RAM and time in proportion to its memory size rather than
    /// to the gas it pays (a 64-bit memory of a few TiB got the process killed). The mapped path only
    /// touches written pages; raise the limit only as far as the host's RAM allows.
    /// </summary>
    public ulong MaxMemory { get; init; } = 1UL << 32;

    /// <summary>
    /// How many memory images the <see cref="MemoryPath.Mapped"/> path keeps between sessions (default
    /// 256). An image is the file form of one contract memory as of one commit; a session loading that
    /// memory maps it instead of reading the store. Images the sessions use are always kept; past this
    /// number (or <see cref="MaxCachedImageBytes"/>), the least recently used others are dropped and
    /// their files removed, and a later session that needs one builds it from the store again (cost
    /// O(non-zero pages)). So image files, descriptors and mappings follow this budget and the open
    /// sessions, never the number of commits. 256 covers the contracts a node touches over many recent
    /// blocks. Kept images hold no open files. 0 keeps only images in use.
    /// </summary>
    public int MaxCachedImages { get; init; } = 256;

    /// <summary>
    /// How many bytes of image files (pages written; a memory's zero pages are holes and cost nothing)
    /// the <see cref="MemoryPath.Mapped"/> path keeps between sessions under <c>&lt;store&gt;/images</c>
    /// (default 1 GiB); see <see cref="MaxCachedImages"/>. Images in use are never dropped: when they
    /// alone exceed the budget, they are all that is kept.
    /// </summary>
    public long MaxCachedImageBytes { get; init; } = 1L << 30;
}

/// <summary>How sessions hold contract memories. Both give the same results, gas and roots.</summary>
public enum MemoryPath
{
    /// <summary>
    /// Copy-on-write mappings of immutable image files over the Wasmtime memory: loading costs a few
    /// mmaps and only touched pages fault in; dirty pages come from the kernel's page tables; a commit
    /// writes only them. The default.
    /// </summary>
    Mapped,

    /// <summary>
    /// The reference path: a memory is copied in from the store on first use and compared page by
    /// page after every call. Simple and obviously correct; O(memory size) per call.
    /// </summary>
    Plain,
}

/// <summary>Which commits a VM keeps when one is finalized.</summary>
public enum HistoryMode
{
    /// <summary>Every commit stays openable until it is deleted explicitly: a full history (archive node).</summary>
    Archive,

    /// <summary>
    /// Finalizing a commit deletes, atomically, every commit that is neither it nor one of its
    /// descendants: only the finalized state and the branches built on it remain (pruned node).
    /// Sessions already running on a deleted commit keep working until they end.
    /// </summary>
    Prune,
}
