namespace Piecrust;

/// <summary>No live commit has the given root.</summary>
public sealed class CommitNotFoundException : PiecrustException
{
    /// <summary>Creates the exception for <paramref name="root"/>.</summary>
    public CommitNotFoundException(Hash root) : base($"No commit with root {root} exists in this store (it was never made or has been deleted).")
        => Root = root;

    /// <summary>The root that was asked for.</summary>
    public Hash Root { get; }
}
