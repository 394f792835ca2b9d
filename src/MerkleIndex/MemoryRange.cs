namespace Piecrust.Merkle;

/// <summary>
/// Bytes [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>) of a contract's memory,
/// as asked of a range prover. A length of 0 asks for the contract's leaf alone (its presence, code,
/// owner and memory length) and then has offset 0.
/// </summary>
public readonly record struct MemoryRange(ContractId Contract, ulong Offset, ulong Length)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Contract} [{Offset}, {Offset}+{Length})";
}
