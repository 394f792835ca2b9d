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

    /// <summary>How a failed inter-contract call is undone (internal: a switch for tests and benches; every mode gives the same outcomes).</summary>
    internal Execution.SubCallUndo SubCallUndo { get; init; } = Execution.SubCallUndo.OnDemand;

    /// <summary>
    /// The largest linear memory a contract may have, in bytes (default 4 TiB: the ABI's maximum, so
    /// 32-bit contracts get 4 GiB and 64-bit ones 4 TiB, as in piecrust 0.32). It lowers the maximum
    /// size, never raises the ABI's or a module's own: <c>memory.grow</c> past it fails (returns -1),
    /// loads and stores past it trap, and a module whose initial memory is larger is refused
    /// (<see cref="InvalidModuleException.LimitOption"/> names this option).
    /// Host RAM and time follow the gas paid, not this size, on both memory paths: an instance's memory
    /// is mapped at its maximum size without reserving RAM, only pages a contract writes (or reads)
    /// are ever populated, and both paths compare and store only populated pages. What the size costs
    /// is address space: a 64-bit memory reserves 4 TiB of the process's 128 TiB, so at most 24 such
    /// memories are open at once in all sessions together (past that, the call or deploy needing one
    /// more fails with <see cref="EngineResourceException"/>); lowering this limit lets more fit. Every
    /// VM of a network must use the same value: it decides where accesses trap.
    /// </summary>
    public ulong MaxMemory { get; init; } = 1UL << 42;

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

    /// <summary>
    /// How many of the contracts this store's last VM ran most recently are warmed up when a VM opens
    /// it (default 16, at most <see cref="VM.MaxWarmUpContracts"/>): <see cref="VM.Open"/> does for
    /// them, on the newest live commit, what <see cref="VM.WarmUp"/> does, so a restarted node's first
    /// session finds their modules loaded, images built and instances ready, as in a VM that has
    /// run sessions. A VM that wrote a commit remembers, when it is disposed, the contracts its
    /// sessions ran most recently (in the store, beside but outside any state: no root or proof
    /// depends on it); contracts no longer in the newest commit are skipped. What it costs is the
    /// open's time: what those contracts' first calls would have paid (an image build is O(the
    /// memory's written pages)). A damaged or unreadable remembered list, or a damaged contract,
    /// ends the warm-up and never the open: the first session that needs such a contract reports
    /// it, and <see cref="VM.Fsck"/> reports a damaged list. 0 neither warms up nor reads or writes the list.
    /// </summary>
    public int WarmUpOnOpen { get; init; } = 16;

    // Module limits. Compilation costs no gas, and Wasmtime's compile time grows faster than module
    // size for some shapes (quadratically with data segments, or with the branches of one function),
    // so a module that breaks one of these is refused with an InvalidModuleException naming the
    // option, before the engine validates or compiles it. They hold at deploy and migrate and
    // whenever stored bytecode is loaded: a contract deployed under larger limits, or imported from a
    // snapshot, is refused by a VM with smaller ones, so every VM of a network should use the same.
    // The defaults come from bench/Engine/CompileSweep.cs (figures in bench/RESULTS.md, CPU time on a
    // 2-core x86-64 machine): no module within all of them, even at several of them at once, took more
    // than about 2 s of CPU to compile, so at most ~2 s of wall time even on one idle core. The
    // largest real contract measured, Dusk's transfer contract (533,408 bytes, 519 functions, largest
    // body 16,593 bytes, 2 data segments, 8,533 control instructions, at most 312 in one function;
    // 0.5 s of CPU), uses about half of each limit or less.

    /// <summary>
    /// The largest module, in bytes (default 1 MiB). Compile time grows with size: ~1 µs of CPU
    /// per byte for contract code, ~1 s for a 1 MiB module of straight-line code.
    /// </summary>
    public int MaxModuleSize { get; init; } = 1 << 20;

    /// <summary>
    /// The most functions a module may define (default 5,000). Each costs ~45 µs of CPU to compile
    /// however small it is, twice that when exported.
    /// </summary>
    public int MaxFunctions { get; init; } = 5_000;

    /// <summary>
    /// The largest function body, in bytes (default 128 KiB): Cranelift compiles a function as a whole,
    /// and its time grows faster than the body's size (a 128 KiB body of straight-line code takes
    /// ~50 ms of CPU, a 2.5 MB one ~3.7 s).
    /// </summary>
    public int MaxFunctionBodySize { get; init; } = 128 << 10;

    /// <summary>
    /// The most data segments a module may have (default 1,000). Under this engine's configuration
    /// Wasmtime's compile time grows with the square of their number: 1,000 one-byte segments take
    /// ~0.1 s of CPU, 10,000 ~2.5 s, 100,000 minutes.
    /// </summary>
    public int MaxDataSegments { get; init; } = 1_000;

    /// <summary>
    /// The most control instructions in a module (default 16,384): block, loop, if, br, br_if, each
    /// br_table target (the default included) and call or call_indirect. Each costs 10 to 80 µs of
    /// CPU to compile, tens of times a byte of straight-line code, so the module size alone does not
    /// bound their cost.
    /// </summary>
    public int MaxControlInstructions { get; init; } = 16_384;

    /// <summary>
    /// The most control instructions (as counted for <see cref="MaxControlInstructions"/>) in one
    /// function (default 1,024). Within a function their cost grows faster than their number:
    /// 1,000 nested ifs take ~50 ms of CPU, 10,000 ~1.9 s, and 10,000 loops ~5 s.
    /// </summary>
    public int MaxFunctionControlInstructions { get; init; } = 1_024;
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
