namespace Piecrust.Storage;

/// <summary>A live commit as the store records it.</summary>
/// <param name="Root">The state root (key of the commit).</param>
/// <param name="Parent">The commit this one was made on; once that is deleted, its nearest live ancestor (null when none is left).</param>
/// <param name="Sequence">Creation order: strictly increasing over the store's life.</param>
public sealed record CommitInfo(Hash Root, Hash? Parent, ulong Sequence);
