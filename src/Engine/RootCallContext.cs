namespace Piecrust;

/// <summary>
/// A top-level call made as if by a contract (<see cref="Session.Call(ContractId, string, ReadOnlySpan{byte}, ulong, RootCallContext)"/>):
/// the <c>caller</c> and <c>callstack</c> imports report <see cref="SyntheticCaller"/> below the
/// real frames, and call hooks see it as the root. It is not a frame: it runs no code, spends no gas
/// and has no node in the call tree, and its state is neither read nor changed.
/// </summary>
/// <param name="SyntheticCaller">The contract reported as the root caller; it must be deployed in the session's state.</param>
public sealed record RootCallContext(ContractId SyntheticCaller);
