namespace Piecrust.Storage;

/// <summary>Points inside a write where a crash test may stop the process (see <see cref="PageStore.FaultInjector"/>).</summary>
public enum StoreFault
{
    /// <summary>A commit's batch is built but not yet written.</summary>
    BeforeCommitWrite,
    /// <summary>A commit's batch has been written.</summary>
    AfterCommitWrite,
    /// <summary>A deletion's reclaim batch is built but not yet written.</summary>
    BeforeReclaimWrite,
}

public sealed partial class PageStore
{
    /// <summary>
    /// Called at each <see cref="StoreFault"/> point with the store's write lock held. Crash tests
    /// set it to kill the process there; it is null in normal use.
    /// </summary>
    public static Action<StoreFault>? FaultInjector { get; set; }

    private static void FaultPoint(StoreFault point) => FaultInjector?.Invoke(point);
}
