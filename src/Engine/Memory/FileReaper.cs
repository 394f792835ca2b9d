namespace Piecrust.Memory;

/// <summary>
/// Removes image files off the thread that lets them go. Removing a file whose blocks reached the
/// disk frees them, and a filesystem that discards freed blocks at once (ext4 mounted with
/// <c>discard</c>) makes the unlink wait for the device: ~3 ms each, about one a block on a
/// 1,000-call block's main thread (BlockBench, sched_switch traces). One pool thread at a time
/// removes what is queued. Bounded: past <see cref="MaxPending"/> waiting files the caller removes
/// its own, so a slow device cannot pile up disk behind the queue. A file not removed (an I/O
/// error) stays until the images directory is cleared on the next open, as before.
/// Process-wide and thread-safe; <see cref="Drain"/> waits until every queued file is gone (an
/// image cache does before it clears or leaves its directory, so no removal outlives it and reaches
/// a file of the same name made later).
/// </summary>
internal static class FileReaper
{
    /// <summary>Files waiting at most; more are removed by their caller.</summary>
    internal const int MaxPending = 256;

    private static readonly object Gate = new();
    private static readonly Queue<string> Pending = new();
    private static bool _running;

    /// <summary>Removes <paramref name="path"/> soon, on another thread (now, on this one, when the queue is full).</summary>
    public static void Remove(string path)
    {
        lock (Gate)
        {
            if (Pending.Count < MaxPending)
            {
                Pending.Enqueue(path);
                if (!_running)
                {
                    _running = true;
                    ThreadPool.UnsafeQueueUserWorkItem(static _ => Run(), null);
                }
                return;
            }
        }
        TryDelete(path);
    }

    /// <summary>Waits until every file queued so far is removed (or failed to be).</summary>
    public static void Drain()
    {
        lock (Gate)
        {
            while (_running) Monitor.Wait(Gate);
        }
    }

    private static void Run()
    {
        while (true)
        {
            string? path;
            lock (Gate)
            {
                if (!Pending.TryDequeue(out path))
                {
                    _running = false;
                    Monitor.PulseAll(Gate);
                    return;
                }
            }
            TryDelete(path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next open, which clears the images directory.
        }
    }
}
