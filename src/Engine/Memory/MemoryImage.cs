namespace Piecrust.Memory;

/// <summary>
/// The content of one memory as a stack of immutable layers: a base and overlays of changed pages,
/// newest last. Mapping it costs one mmap per layer run; reading a page looks from the newest layer down.
/// Immutable and shared by every session on the same memory root.
/// </summary>
internal sealed class MemoryImage
{
    private readonly ImageLayer[] _layers;

    public MemoryImage(ImageKey key, ImageLayer[] layers)
    {
        Key = key;
        _layers = layers;
    }

    public ImageKey Key { get; }

    public IReadOnlyList<ImageLayer> Layers => _layers;

    /// <summary>Bytes covered by the base layer (overlays lie inside <see cref="ImageKey.Length"/>).</summary>
    public ulong BaseLength => _layers.Length == 0 ? 0 : _layers[0].Length;

    /// <summary>The end of the highest byte any layer holds: past <see cref="ImageKey.Length"/> when pages past the length are stored.</summary>
    public ulong Extent => _layers.Length == 0 ? 0 : _layers.Max(l => l.Length);

    public int MappingRuns => _layers.Sum(l => l.Runs);

    /// <summary>Maps every layer over the memory at <paramref name="address"/>, up to its <paramref name="capacity"/>.</summary>
    public void MapInto(nint address, ulong capacity)
    {
        foreach (var layer in _layers) layer.MapInto(address, capacity);
    }

    /// <summary>Page <paramref name="index"/> of this memory (zeros where no layer has it).</summary>
    public void ReadPage(ulong index, Span<byte> destination)
    {
        for (int i = _layers.Length - 1; i >= 0; i--)
            if (_layers[i].TryRead(index, destination)) return;
        destination.Clear();
    }

    public void AddReferences()
    {
        foreach (var layer in _layers) layer.AddReference();
    }

    public void Release()
    {
        foreach (var layer in _layers) layer.Release();
    }
}
