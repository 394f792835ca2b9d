namespace Piecrust.Memory;

/// <summary>
/// The content of one memory as a stack of immutable layers: a base and overlays of changed pages,
/// newest last. Mapping it costs one mmap per layer run; reading a page looks from the newest layer down.
/// Immutable and shared by every session on the same memory root.
/// </summary>
/// <remarks>
/// Two counts: references keep its files (the cache holds one while it keeps the image, each user
/// one more); users (<see cref="Use"/> … <see cref="EndUse"/>) are the sessions that read or map
/// it, and keep its layers' files open. An image only kept for later holds no descriptor.
/// </remarks>
internal sealed class MemoryImage
{
    private readonly ImageLayer[] _layers;
    private readonly object _gate = new();
    private int _references = 1; // the creator's
    private int _users;

    /// <summary>An image of <paramref name="layers"/>, taking over one reference on each; the creator holds the image's first reference.</summary>
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

    /// <summary>True while some session reads or maps the image.</summary>
    public bool InUse
    {
        get { lock (_gate) return _users > 0; }
    }

    /// <summary>Maps every layer over the memory at <paramref name="address"/> (while in use), up to its <paramref name="capacity"/>.</summary>
    public void MapInto(nint address, ulong capacity)
    {
        foreach (var layer in _layers) layer.MapInto(address, capacity);
    }

    /// <summary>Page <paramref name="index"/> of this memory (zeros where no layer has it; while in use).</summary>
    public void ReadPage(ulong index, Span<byte> destination)
    {
        for (int i = _layers.Length - 1; i >= 0; i--)
            if (_layers[i].TryRead(index, destination)) return;
        destination.Clear();
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops a reference; the last one releases the layers (whose last reference removes each file).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        foreach (var layer in _layers) layer.Release();
    }

    /// <summary>Starts a use with a reference of the user's own: the first user opens the layers' files.</summary>
    public void Use()
    {
        AddReference();
        lock (_gate)
        {
            if (_users++ > 0) return;
            int opened = 0;
            try
            {
                for (; opened < _layers.Length; opened++) _layers[opened].Open();
            }
            catch
            {
                for (int i = 0; i < opened; i++) _layers[i].Close();
                _users--;
                Release();
                throw;
            }
        }
    }

    /// <summary>Ends a use and drops its reference: the last user closes the files.</summary>
    public void EndUse()
    {
        lock (_gate)
        {
            if (--_users == 0)
                foreach (var layer in _layers) layer.Close();
        }
        Release();
    }
}
