namespace Piecrust.Execution;

/// <summary>
/// Lets one operation at a time into a session: entering takes an owner flag with one interlocked
/// compare-exchange, leaving clears it. Not re-entrant: a second entry while the flag is taken, from
/// another thread or from a callback inside the running operation, throws
/// <see cref="SessionBusyException"/> and changes nothing.
/// </summary>
internal sealed class SessionGuard
{
    private int _owner; // managed thread id of the entry in progress; 0 when free
    private string? _operation; // for messages only: may lag behind _owner

    /// <summary>Takes the guard for <paramref name="operation"/>; dispose the result to leave.</summary>
    /// <exception cref="SessionBusyException">Another operation is in progress.</exception>
    public Entry Enter(string operation)
    {
        int thread = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, thread, 0);
        if (owner != 0) throw new SessionBusyException(operation, Volatile.Read(ref _operation), owner);
        _operation = operation;
        return new Entry(this);
    }

    /// <summary>An entry in progress; disposing it lets the next one in.</summary>
    public readonly struct Entry : IDisposable
    {
        private readonly SessionGuard _guard;

        internal Entry(SessionGuard guard) => _guard = guard;

        /// <summary>Leaves: the release write publishes everything the operation did to the next entry.</summary>
        public void Dispose()
        {
            _guard._operation = null;
            Volatile.Write(ref _guard._owner, 0);
        }
    }
}
