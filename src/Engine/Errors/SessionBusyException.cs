namespace Piecrust;

/// <summary>
/// A <see cref="Session"/> was used while it was busy: another thread was inside one of its methods,
/// or code running inside one of its calls (a feeder callback, a host query) called back into it.
/// A session serves one operation at a time. The refused operation did nothing; the one in progress
/// goes on unaffected.
/// </summary>
public sealed class SessionBusyException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The session member that was refused.</param>
    /// <param name="busyWith">The member in progress, when known.</param>
    /// <param name="ownerThread">The managed thread id that entered the operation in progress.</param>
    public SessionBusyException(string operation, string? busyWith, int ownerThread)
        : base($"Session.{operation} was refused: the session is busy with {(busyWith is null ? "another operation" : $"Session.{busyWith}")} " +
               $"entered on thread {ownerThread}{(ownerThread == Environment.CurrentManagedThreadId ? " (this thread: a callback inside that operation called back into the session)" : "")}. " +
               "A session is used by one thread at a time: wait for the operation to finish, or give each thread a session of its own.")
    {
        Operation = operation;
        BusyWith = busyWith;
        OwnerThread = ownerThread;
    }

    /// <summary>The session member that was refused (e.g. <c>Commit</c>).</summary>
    public string Operation { get; }

    /// <summary>The member in progress (e.g. <c>Call</c>), or null when it was not known at the time.</summary>
    public string? BusyWith { get; }

    /// <summary>The managed thread id (<see cref="Environment.CurrentManagedThreadId"/>) that entered the operation in progress.</summary>
    public int OwnerThread { get; }
}
