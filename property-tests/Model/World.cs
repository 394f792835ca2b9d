using System.Collections.Immutable;

namespace Piecrust.PropertyTests.Model;

/// <summary>A whole state: the deployed contracts by slot. Immutable; <see cref="Key"/> is its canonical identity.</summary>
internal sealed class World
{
    private string? _key;

    private World(ImmutableSortedDictionary<string, Contract> contracts) => Contracts = contracts;

    public static readonly World Empty = new(ImmutableSortedDictionary.Create<string, Contract>(StringComparer.Ordinal));

    public ImmutableSortedDictionary<string, Contract> Contracts { get; }

    /// <summary>Equal keys ⇔ equal states ⇔ (what the engine must give) equal state roots.</summary>
    public string Key => _key ??= Contracts.Count == 0 ? "∅" : string.Join(" ", Contracts.Values.Select(c => c.Key));

    public bool Has(string slot) => Contracts.ContainsKey(slot);

    public Contract this[string slot] => Contracts[slot];

    public Contract? ById(ContractId id) => Slot.NameOf(id) is { } name ? Contracts.GetValueOrDefault(name) : null;

    public World Set(Contract contract) => new(Contracts.SetItem(contract.Slot.Name, contract));

    public override string ToString() => Contracts.Count == 0 ? "∅" : "{" + string.Join(",", Contracts.Keys) + "}";
}
