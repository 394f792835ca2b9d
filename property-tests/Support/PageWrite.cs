namespace Piecrust.PropertyTests.Support;

/// <summary>One page of a memory set to <paramref name="Content"/>.</summary>
public readonly record struct PageWrite(ulong Index, PageContent Content)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Index}={Content}";

    /// <summary>Formats writes as <c>{index=content, …}</c>.</summary>
    public static string Format(IEnumerable<PageWrite> writes) => "{" + string.Join(", ", writes) + "}";
}
