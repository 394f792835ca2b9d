namespace Piecrust.Wasm;

/// <summary>A function signature from the type section.</summary>
internal sealed class WasmFunctionType
{
    public WasmFunctionType(WasmValueType[] parameters, WasmValueType[] results)
    {
        Parameters = parameters;
        Results = results;
    }

    public IReadOnlyList<WasmValueType> Parameters { get; }

    public IReadOnlyList<WasmValueType> Results { get; }

    /// <summary>Whether both lists are element-wise equal to <paramref name="parameters"/> and <paramref name="results"/>.</summary>
    public bool Matches(IReadOnlyList<WasmValueType> parameters, IReadOnlyList<WasmValueType> results)
        => parameters.SequenceEqual(Parameters) && results.SequenceEqual(Results);

    public override string ToString()
        => $"({string.Join(", ", Parameters.Select(p => p.Name()))}) -> ({string.Join(", ", Results.Select(r => r.Name()))})";
}
