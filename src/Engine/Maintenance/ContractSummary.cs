namespace Piecrust;

/// <summary>One contract of a committed state, as <see cref="VM.DescribeContracts"/> lists it.</summary>
/// <param name="Id">The contract's id.</param>
/// <param name="Bytecode">BLAKE3 of its bytecode.</param>
/// <param name="Owner">Its owner bytes.</param>
/// <param name="MemoryLength">Its memory's length in bytes.</param>
/// <param name="Is64">True for a 64-bit (memory64) contract.</param>
/// <param name="NonZeroPages">Pages of its memory that are not all zeros (the pages actually stored for it).</param>
/// <param name="MemoryRoot">The memory root its leaf binds (page-tree root, length and width).</param>
public sealed record ContractSummary(ContractId Id, Hash Bytecode, byte[] Owner, ulong MemoryLength, bool Is64, ulong NonZeroPages, Hash MemoryRoot);
