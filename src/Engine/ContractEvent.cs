namespace Piecrust;

/// <summary>An event a contract emitted with the <c>emit</c> import.</summary>
/// <param name="Source">The emitting contract.</param>
/// <param name="Topic">The event's topic (UTF-8 in the contract).</param>
/// <param name="Data">The event's bytes.</param>
/// <param name="Reverted">True when the inter-contract call that emitted it failed and was undone.</param>
public sealed record ContractEvent(ContractId Source, string Topic, byte[] Data, bool Reverted)
{
    /// <summary>Equality compares the data bytes, not the array reference.</summary>
    public bool Equals(ContractEvent? other) =>
        other is not null && Source == other.Source && Topic == other.Topic && Reverted == other.Reverted && Data.AsSpan().SequenceEqual(other.Data);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Source, Topic, Data.Length, Reverted);
}
