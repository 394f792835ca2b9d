namespace Piecrust;

/// <summary>What a deploy needs besides the bytecode.</summary>
/// <param name="Owner">Owner bytes, returned by the <c>owner</c> import (at most 65535 bytes).</param>
/// <param name="InitArg">Argument of the contract's <c>init</c> (at most 64 KiB). <c>init</c> runs only when one is given: any array, even empty, runs it; <c>default</c> deploys without running it.</param>
/// <param name="Id">The contract's id; by default BLAKE3 of the bytecode.</param>
public sealed record ContractData(ReadOnlyMemory<byte> Owner, ReadOnlyMemory<byte> InitArg = default, ContractId? Id = null);
