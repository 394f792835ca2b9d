using System.Runtime.ExceptionServices;

namespace Piecrust;

/// <summary>
/// Work handed to a thread-pool thread while the caller does something else, which the caller runs
/// itself if no pool thread has started it by the time it needs the result. A caller that only waited
/// could stall behind a busy pool (every pool thread waiting on work queued behind it); this one never
/// waits for work that has not started.
/// </summary>
internal sealed class SideWork<T>
{
    private readonly Func<T> _work;
    private readonly object _gate = new();
    private bool _finished;
    private int _claimed;
    private T? _result;
    private ExceptionDispatchInfo? _failure;

    private SideWork(Func<T> work) => _work = work;

    /// <summary>Queues <paramref name="work"/> to the thread pool.</summary>
    public static SideWork<T> Start(Func<T> work) =>
        Start(work, static side => ThreadPool.UnsafeQueueUserWorkItem(static s => s.Run(), side, preferLocal: false));

    /// <summary>Hands <paramref name="work"/> to <paramref name="queue"/>, which runs it (<see cref="Run"/>) when it can, or never.</summary>
    internal static SideWork<T> Start(Func<T> work, Action<SideWork<T>> queue)
    {
        var side = new SideWork<T>(work);
        queue(side);
        return side;
    }

    /// <summary>The work's result (or its exception), once it is over (<see cref="Wait"/>).</summary>
    public T Result()
    {
        Wait();
        _failure?.Throw();
        return _result!;
    }

    /// <summary>Returns once the work is over, running it here if it has not started; waits while it runs elsewhere. Never throws the work's exception.</summary>
    public void Wait()
    {
        Run();
        lock (_gate)
            while (!_finished) Monitor.Wait(_gate);
    }

    /// <summary>Runs the work unless the caller or another thread has started it already.</summary>
    internal void Run()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0) return;
        try
        {
            _result = _work();
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
