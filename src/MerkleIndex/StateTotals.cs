namespace Piecrust.Merkle;

/// <summary>Totals over the contracts of one state (see <see cref="StateMeasurer"/>).</summary>
/// <param name="Contracts">Contracts in the state.</param>
/// <param name="MemoryBytes">Sum of the contracts' memory lengths in bytes (zero pages included).</param>
/// <param name="NonZeroPages">Sum of the contracts' non-zero 4 KiB pages: what storing every memory without sharing, but without zero pages, would take, in pages.</param>
public readonly record struct StateTotals(long Contracts, ulong MemoryBytes, ulong NonZeroPages)
{
    /// <summary>Componentwise sum.</summary>
    public static StateTotals operator +(StateTotals a, StateTotals b) =>
        new(a.Contracts + b.Contracts, a.MemoryBytes + b.MemoryBytes, a.NonZeroPages + b.NonZeroPages);
}
