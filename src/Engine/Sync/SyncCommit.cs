namespace Piecrust;

/// <summary>A commit as <c>piecrust serve</c> lists it in JSON (<c>GET /commits</c>).</summary>
/// <param name="Root">The state root, 64 hex digits.</param>
/// <param name="Parent">The parent's root, or null.</param>
/// <param name="Sequence">Its place in the serving store's commit order.</param>
public sealed record SyncCommit(string Root, string? Parent, ulong Sequence);
