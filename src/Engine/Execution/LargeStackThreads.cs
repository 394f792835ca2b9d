namespace Piecrust.Execution;

/// <summary>
/// Threads of a known stack size that run work for threads with too little stack (see
/// <see cref="StackRoom"/>). A few are kept waiting between uses: starting a thread costs several
/// times as much as handing work to one that waits. Thread-safe.
/// </summary>
internal sealed class LargeStackThreads
{
    private readonly Stack<Worker> _idle = new();
    private readonly int _stackSize;
    private readonly int _maxIdle;

    public LargeStackThreads(int stackSize, int maxIdle)
    {
        _stackSize = stackSize;
        _maxIdle = maxIdle;
    }

    /// <summary>Runs <paramref name="work"/> on one of the threads and waits for it; <paramref name="work"/> must not throw.</summary>
    public void Run(Action work)
    {
        Worker? worker = null;
        lock (_idle)
        {
            if (_idle.Count > 0) worker = _idle.Pop();
        }
        worker ??= new Worker(_stackSize);
        worker.Run(work);
        lock (_idle)
        {
            if (_idle.Count < _maxIdle)
            {
                _idle.Push(worker);
                return;
            }
        }
        worker.Stop();
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private Action? _work;

        public Worker(int stackSize) =>
            new Thread(Loop, stackSize) { IsBackground = true, Name = "Piecrust large stack" }.Start();

        public void Run(Action work)
        {
            _work = work;
            _start.Release();
            _done.Wait();
        }

        /// <summary>Ends the thread once it is idle.</summary>
        public void Stop()
        {
            _work = null;
            _start.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                var work = _work;
                if (work is null) break;
                _work = null;
                work();
                _done.Release();
            }
            _start.Dispose();
            _done.Dispose();
        }
    }
}
