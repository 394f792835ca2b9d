namespace Piecrust.Storage;

/// <summary>Points inside a write where a crash test may stop the process (see <see cref="PageStore.FaultInjector"/>).</summary>
internal enum StoreFault
{
    /// <summary>A commit's batch is built but not yet written.</summary>
    BeforeCommitWrite,
    /// <summary>A commit's batch has been written; the in-memory state and the caller do not know it yet.</summary>
    AfterCommitWrite,
    /// <summary>A deletion's, finalization's or deferred reclamation's batch is built but not yet written.</summary>
    BeforeReclaimWrite,
    /// <summary>A deletion's, finalization's or deferred reclamation's batch has been written; the in-memory state and the caller do not know it yet.</summary>
    AfterReclaimWrite,
    /// <summary>
    /// A memory image file under <c>&lt;store&gt;/images</c> is half written (its first page is on
    /// disk, the rest is not). Raised by the engine, which owns those files, through <see cref="PageStore.FaultPoint"/>.
    /// </summary>
    ImageWrite,
}

public sealed partial class PageStore
{
    /// <summary>
    /// Called at each <see cref="StoreFault"/> point (the store's points with its write lock held).
    /// Crash tests set it to kill the process there; it is null in normal use. Process-wide: it sees
    /// every store of the process.
    /// </summary>
    internal static Action<StoreFault>? FaultInjector { get; set; }

    /// <summary>
    /// Reaches fault point <paramref name="point"/>: calls <see cref="FaultInjector"/> when one is set,
    /// otherwise does nothing. Visible to the engine, which writes files of its own under a store's
    /// directory (the memory images), so crash tests get the same hook there.
    /// </summary>
    internal static void FaultPoint(StoreFault point) => FaultInjector?.Invoke(point);
}
