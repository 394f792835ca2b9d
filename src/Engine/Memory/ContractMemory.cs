namespace Piecrust.Memory;

/// <summary>
/// A contract's memory as a session sees it: its length and the pages it changed since the
/// session's base. An implementation loads that state into a fresh instance, takes in what
/// successful calls wrote (at each call, or at checkpoints), undoes a failed call, and hands the
/// changed pages to commit. Used by one session thread.
/// </summary>
/// <remarks>
/// Two implementations: <see cref="PlainContractMemory"/> (copy in, compare after every call: the
/// reference) and <see cref="MappedContractMemory"/> (copy-on-write mappings, dirty pages from the
/// page tables at checkpoints: the default). With checkpoints, a successful call leaves its writes
/// only in the instance; the session must checkpoint before it drops an instance or reads the
/// changed pages, and after a failure it reverts to the last checkpoint and replays the calls made since.
/// </remarks>
internal abstract class ContractMemory : IDisposable
{
    /// <summary>Length in bytes as of the last capture (call or checkpoint); a multiple of 64 KiB.</summary>
    public abstract ulong Length { get; }

    /// <summary>True when some page or the length differs from the base.</summary>
    public abstract bool Modified { get; }

    /// <summary>True when successful calls are taken in only at <see cref="Checkpoint"/> (and failures need a replay).</summary>
    public abstract bool NeedsCheckpoints { get; }

    /// <summary>
    /// True when nothing is mapped under an instance's memory: a page the process holds no private
    /// copy of reads as zeros (see <see cref="MemoryMark"/>).
    /// </summary>
    public virtual bool AnonymousOnly => false;

    /// <summary>
    /// Makes an instance's memory, at most <see cref="Length"/> bytes long, show this state (grows it,
    /// replaces every byte); <paramref name="prior"/> says what it holds now.
    /// </summary>
    public abstract void LoadInto(LinearMemory memory, PriorContent prior);

    /// <summary>The committed image <see cref="LoadInto"/> would map first, if any: an instance already showing it cleanly saves the mapping.</summary>
    public virtual ImageKey? BaseImage => null;

    /// <summary>
    /// At the end of the instance's use: when its memory can be brought back to showing
    /// <see cref="BaseImage"/> (dropping the writes since), does so and returns that image, with
    /// <paramref name="view"/> saying how it shows it when not as a clean mapping of its files;
    /// otherwise null (the caller clears the memory). <paramref name="writtenSinceCheckpoint"/> is
    /// false only when the caller knows nothing wrote the instance's memory since its last
    /// <see cref="Checkpoint"/> (no call ran it since): then what the checkpoint found is still true.
    /// </summary>
    public virtual ImageKey? TryRestoreBaseImage(LinearMemory memory, bool writtenSinceCheckpoint, out IdleView? view)
    {
        view = null;
        return null;
    }

    /// <summary>
    /// Has the kernel do now, for <c>[offset, offset + length)</c> (clamped to the capacity) of an
    /// instance's memory that shows this state just loaded, what a call's first accesses there would make
    /// it do (a warm-up: <see cref="Execution.ContractState.PrepareForCalls"/>). The bytes stay as they
    /// are. Nothing by default: a memory loaded by copying has its pages written already.
    /// </summary>
    public virtual void Prefault(LinearMemory memory, ulong offset, ulong length) { }

    /// <summary>Called after every successful top-level call that touched the contract.</summary>
    public abstract void AfterCall(LinearMemory memory);

    /// <summary>Takes in everything written since the last checkpoint (nothing to do when <paramref name="memory"/> is null: no live instance).</summary>
    public abstract void Checkpoint(LinearMemory? memory);

    /// <summary>Undoes every write since the last capture in place; false when the instance must be dropped instead.</summary>
    public abstract bool TryRevert(LinearMemory memory);

    /// <summary>Pages changed since the base, ascending, with their current bytes (all zeros for a cleared page) in slices of <paramref name="buffer"/>.</summary>
    public abstract IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> ChangedPages(PageBuffer buffer);

    /// <summary>Copies page <paramref name="index"/> (4 KiB) of the current state into <paramref name="destination"/>.</summary>
    public abstract void ReadPage(ulong index, Span<byte> destination);

    /// <summary>Releases files the memory holds (its session ended).</summary>
    public virtual void Dispose() { }

    /// <summary>
    /// Work that prepares what <see cref="MarkCommitted"/> will need for the state about to be committed as
    /// <paramref name="key"/>, to run on another thread while the commit's batch is written (it changes nothing in this
    /// memory); null when there is nothing to prepare. The mapped path's work writes the new image's files; its result
    /// goes to <see cref="MarkCommitted"/> once the commit is written, else to <see cref="ImageCache.Abandon"/>.
    /// </summary>
    public virtual Func<MemoryImage?>? PrepareCommit(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes) => null;

    /// <summary>
    /// The state was committed as <paramref name="key"/> in <paramref name="commit"/> (with <paramref name="changes"/>
    /// relative to the previous base): it is the new base. <paramref name="memory"/> is the instance's memory, if one is
    /// loaded (checkpointed: it shows exactly that state); <paramref name="prepared"/>, what <see cref="PrepareCommit"/>
    /// returned, now owned by this call.
    /// </summary>
    public abstract void MarkCommitted(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit, LinearMemory? memory, MemoryImage? prepared);
}
