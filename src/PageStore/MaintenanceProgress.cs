namespace Piecrust.Storage;

/// <summary>
/// Progress of a long maintenance operation (check, garbage collection, export, import), reported
/// through <see cref="IProgress{T}"/>. Reports arrive on the thread doing the work, in order.
/// </summary>
/// <param name="Phase">What is being done now, in a few words ("verifying objects").</param>
/// <param name="Done">Units of the phase done so far.</param>
/// <param name="Total">Units the phase is expected to take; an estimate, so <paramref name="Done"/> may pass it. 0 when unknown.</param>
public readonly record struct MaintenanceProgress(string Phase, long Done, long Total);
