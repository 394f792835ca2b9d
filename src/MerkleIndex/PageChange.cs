namespace Piecrust.Merkle;

/// <summary>One page of a memory set to new content: its index and the key of its bytes (<see cref="Piecrust.Storage.PageStore.ZeroPageKey"/> to clear it).</summary>
public readonly record struct PageChange(ulong Index, Hash Key);
