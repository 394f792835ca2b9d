namespace Piecrust;

/// <summary>What a deploy needs besides the bytecode.</summary>
/// <param name="Owner">Owner bytes, returned by the <c>owner</c> import (at most 65535 bytes).</param>
/// <param name="InitArg">Argument of the contract's <c>init</c> (at most 64 KiB; empty by default). <c>init</c> runs at deploy whenever the contract exports it, as in piecrust ≥ 0.31; for a contract without <c>init</c> the argument is ignored.</param>
/// <param name="Id">The contract's id; by default BLAKE3 of the bytecode.</param>
public sealed record ContractData(ReadOnlyMemory<byte> Owner, ReadOnlyMemory<byte> InitArg = default, ContractId? Id = null);
