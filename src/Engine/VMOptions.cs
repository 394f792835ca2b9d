namespace Piecrust;

/// <summary>How a <see cref="VM"/> runs.</summary>
public sealed record VMOptions
{
    /// <summary>fsync every commit and deletion (default true; ephemeral VMs never are).</summary>
    public bool Durable { get; init; } = true;
}
