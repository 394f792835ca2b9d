using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The default memory path: a contract's memory is its base image (shared, immutable files of the
/// session's base commit) mapped copy-on-write over the Wasmtime memory, plus this session's
/// overlay of checkpointed pages. Loading costs a few mmaps and the pages a call touches fault in
/// lazily. A call boundary costs nothing; at a checkpoint the kernel's page tables say which pages
/// were written since the last one, only those are compared and saved, and a revert discards just
/// them (<c>madvise(DONTNEED)</c>) so they read from the files again. Used by one session thread.
/// </summary>
internal sealed class MappedContractMemory : ContractMemory
{
    private const int PageSize = PageStore.PageSize;
    private const int CompactionThreshold = 4096;

    /// <summary>
    /// Mappings (runs of pages) one memory's session overlay may add. Every mapping counts against the
    /// process's vm.max_map_count (65,530): past it Wasmtime and the .NET runtime fail to map memory
    /// and the process dies. A contract that writes many scattered pages would get there (one run per
    /// page), so past this budget overlay pages are no longer mapped: the instance keeps its own copies
    /// and the memory is scanned as a moved one (every populated page is a candidate).
    /// </summary>
    private const int MaxOverlayRuns = 256;

    /// <summary>
    /// Mappings an image may have for an idle instance to keep showing it after the session (see
    /// <see cref="TryRestoreBaseImage"/>): idle instances hold their mappings indefinitely, so only
    /// images that cost a few count against vm.max_map_count.
    /// </summary>
    private const int MaxIdleImageRuns = 8;

    /// <summary>
    /// Earlier session overlays (files, and their mappings) an instance may go on showing after commits:
    /// each commit leaves the pages its session took in mapped from a file the memory no longer needs.
    /// Past either bound, or when a commit's image no longer holds the layers the instance maps (after a
    /// merge or a fresh base), the commit remaps the instance from its new image (same content), so
    /// neither its mappings nor the space of removed files it keeps alive grow with a session's commits.
    /// </summary>
    private const int MaxStaleFiles = 8, MaxStaleRuns = 256;

    private readonly ImageCache _images;
    private readonly ImageKey? _baseKey; // the committed image the session starts from (null for a new contract)
    private readonly Func<MemoryImage?> _loadImage;
    private readonly PagesPastLength? _pastLength; // stored pages past the committed length (null for a new contract)
    private MemoryImage? _image; // this memory holds a use of it: returned to the cache when replaced or disposed
    private bool _imageLoaded;
    private ImageLayer? _private; // a session-private full image after compaction (open); supersedes image and overlay
    private SessionOverlay _overlay;
    private readonly SortedSet<ulong> _changed = new();
    private ulong _length;
    private bool _lengthChanged;
    private nint _mappedAt;
    private bool _moved;
    private int _overlayRuns; // mappings the session overlay currently has over the instance
    private bool _showsImage; // the instance shows Image's own mappings (plus overlay runs and private pages), nothing older
    private ImageLayer[]? _mappedLayers; // the image layers the instance shows under the session's pages; null: not known (shown before this session)
    private int _staleFiles, _staleRuns; // earlier session overlays the instance still maps

    private MappedContractMemory(ImageCache images, ImageKey? baseKey, ulong length, Func<MemoryImage?> loadImage, PagesPastLength? pastLength, bool isNew)
    {
        _images = images;
        _baseKey = baseKey;
        _length = length;
        _loadImage = loadImage;
        _pastLength = pastLength;
        _lengthChanged = isNew;
        _overlay = new SessionOverlay(images.NewSessionFile());
    }

    /// <summary>
    /// A committed memory whose image is fetched (and built if needed) on first load; the loader hands
    /// over a reference. <paramref name="loadPastLength"/> reads the stored pages past the length (images hold none).
    /// </summary>
    public static MappedContractMemory FromImage(ImageCache images, ImageKey key, Func<MemoryImage> loadImage,
        Func<IEnumerable<(ulong Index, byte[] Bytes)>> loadPastLength) =>
        new(images, key, key.Length, () => loadImage(), new PagesPastLength(key.Length / PageSize, loadPastLength), isNew: false);

    /// <summary>A new contract's memory: nothing until the first checkpoint captures what instantiation wrote.</summary>
    public static MappedContractMemory New(ImageCache images) => new(images, null, 0, () => null, pastLength: null, isNew: true);

    public override ulong Length => _length;

    public override bool Modified => _lengthChanged || _changed.Count > 0;

    public override bool NeedsCheckpoints => true;

    private MemoryImage? Image
    {
        get
        {
            if (!_imageLoaded)
            {
                _image = _loadImage();
                _imageLoaded = true;
            }
            return _image;
        }
    }

    public override ImageKey? BaseImage => _private is not null ? null : _imageLoaded ? _image?.Key : _baseKey;

    public override void LoadInto(LinearMemory memory, PriorContent prior)
    {
        ulong fresh = memory.Length;
        if (fresh > _length && _length > 0)
            throw new InvalidOperationException($"An instance has {fresh} bytes of memory, more than the stored {_length}.");
        if (_length > fresh && !memory.Grow((_length - fresh) / 65536))
            throw new EngineResourceException($"A contract's memory cannot grow to its stored length of {_length} bytes: over this VM's VMOptions.MaxMemory, or the host is out of memory.");
        _mappedLayers = [];
        _staleFiles = _staleRuns = 0;
        if (_length == 0)
        {
            // A new contract: what instantiation wrote is its state until the first checkpoint.
            _mappedAt = memory.Address;
            _moved = false;
            return;
        }
        nint address = memory.Address;
        _mappedAt = address;
        _moved = false;
        _showsImage = false;
        if (_private is not null)
        {
            // The compacted copy covers every page the instance may hold (memories only grow).
            Posix.NoHugePages(address, _length);
            _private.MapInto(address);
        }
        // An instance an earlier session left showing this very image cleanly needs no mapping.
        else if (prior.Image is not { } shown || shown != BaseImage)
        {
            if (prior.Image is not null) throw new InvalidOperationException("An instance showing another image must be cleared first.");
            Posix.NoHugePages(address, _length);
            // A new instance's data segments were written into the initial pages: clear what the base
            // does not cover (overlay pages mapped next replace their share of it anyway).
            ulong covered = Image?.BaseLength ?? 0;
            if (fresh > covered && !prior.Zeroed) memory.Clear(covered, fresh - covered);
            Image?.MapInto(address);
            _mappedLayers = Image is { } image ? [.. image.Layers] : [];
        }
        else
        {
            _mappedLayers = null; // an earlier session mapped an image of this content: which files is not known
        }
        _showsImage = BaseImage is not null; // null with a compacted copy
        _overlayRuns = _overlay.Runs;
        if (_overlayRuns > MaxOverlayRuns)
        {
            // Too many scattered pages to map: copy them in (see MaxOverlayRuns).
            _overlay.CopyInto(memory);
            _overlayRuns = 0;
            _moved = true;
            return;
        }
        _overlay.MapAll(address);
    }

    public override void AfterCall(LinearMemory memory) { }

    public override void Checkpoint(LinearMemory? memory)
    {
        if (memory is null) return;
        ulong length = memory.Length;
        ulong pages = length / PageSize;
        var changed = new List<(ulong Index, byte[] Bytes)>();
        var previous = new byte[PageSize];
        // A 64-bit memory that grew past its reservation was moved (copied) by Wasmtime: our mappings
        // are gone, so every populated page is a candidate (unpopulated ones read as zeros or, had the
        // mappings moved along, as their unchanged file content).
        if (memory.Address != _mappedAt) _moved = true;
        var candidates = new List<ulong>();
        if (_moved) DirtyPageScanner.ScanPopulated(memory.Address, pages, candidates);
        else DirtyPageScanner.Scan(memory.Address, pages, candidates);
        // Stored pages past the committed length that a growth brought inside: recorded as the
        // instance holds them now (the instance never showed their stored bytes), and from now on
        // read from the overlay, so a reload shows them as the plain path does.
        var entering = _pastLength?.Below(pages) ?? [];
        if (entering.Count > 0) candidates = [.. candidates.Union(entering).Order()];
        foreach (ulong index in candidates)
        {
            var current = memory.Page(index, PageSize);
            ReadPage(index, previous);
            if (current.SequenceEqual(previous) && (entering.Count == 0 || entering.BinarySearch(index) < 0)) continue;
            changed.Add((index, current.ToArray()));
            _changed.Add(index);
        }
        _pastLength?.Forget(entering);
        int runs = PageRuns.Count(changed.Select(c => c.Index));
        if (!_moved && _overlayRuns + runs > MaxOverlayRuns) _moved = true; // stop mapping (see MaxOverlayRuns)
        if (_moved)
        {
            _overlay.Append(changed);
        }
        else
        {
            _overlay.AppendAndMap(memory.Address, changed);
            _overlayRuns += runs;
        }
        if (length != _length)
        {
            _length = length;
            _lengthChanged = true;
        }
        if (!_moved && _overlay.SlotsUsed > CompactionThreshold) Compact(memory);
    }

    public override bool TryRevert(LinearMemory memory)
    {
        if (_moved || memory.Address != _mappedAt || memory.Length != _length) return false;
        DiscardWrites(memory);
        return true;
    }

    public override ImageKey? TryRestoreBaseImage(LinearMemory memory)
    {
        if (!_showsImage || _moved || _private is not null || _overlayRuns > 0 || memory.Address != _mappedAt) return null;
        if (BaseImage is not { } key || memory.Length != key.Length) return null;
        // Not loaded: the instance showed the image before this session, so it passed this check then.
        if (_imageLoaded && _image!.MappingRuns > MaxIdleImageRuns) return null;
        DiscardWrites(memory);
        return key;
    }

    // Drops the instance's private copies of pages: each reads from its file (or as zeros) again.
    private static void DiscardWrites(LinearMemory memory)
    {
        var dirty = new List<ulong>();
        DirtyPageScanner.Scan(memory.Address, memory.Length / PageSize, dirty);
        foreach (var (start, count) in PageRuns.Of(dirty))
            Posix.DiscardPrivatePages(memory.Address + (nint)(start * PageSize), count * PageSize);
    }

    public override IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> ChangedPages()
    {
        foreach (ulong index in _changed)
        {
            var bytes = new byte[PageSize];
            ReadPage(index, bytes);
            yield return (index, bytes);
        }
    }

    public override void ReadPage(ulong index, Span<byte> destination)
    {
        // Newest first: pages taken in since a compaction, the compacted copy, stored pages past the
        // committed length, the image.
        if (_overlay.TryRead(index, destination)) return;
        if (_private is not null && _private.TryRead(index, destination)) return;
        if (_pastLength is not null && _pastLength.TryRead(index, destination)) return;
        if (_private is null && Image is { } image) image.ReadPage(index, destination);
        else destination.Clear();
    }

    public override void MarkCommitted(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit, LinearMemory? memory)
    {
        if (Modified || !_imageLoaded || _private is not null)
        {
            // The changes are relative to the image, also after a compaction (which copied the memory, changed nothing).
            var derived = _images.Derive(Image, key, changes, commit);
            if (_image is not null) _images.Return(_image);
            _image = derived;
            _imageLoaded = true;
        }
        // The current mappings already show this content; from now on reads and reloads use the new image.
        bool compacted = _private is not null;
        if (_overlayRuns > 0)
        {
            // The overlay's pages stay mapped from its file (removed once closed) until written again or remapped.
            _staleFiles++;
            _staleRuns += _overlayRuns;
        }
        ReleasePrivate();
        _overlay.Dispose();
        _overlay = new SessionOverlay(_images.NewSessionFile());
        _overlayRuns = 0;
        _showsImage = false;
        _changed.Clear();
        _lengthChanged = false;
        if (memory is not null && _image is { } image
            && (_moved || compacted || !Extends(image) || _staleFiles > MaxStaleFiles || _staleRuns > MaxStaleRuns))
            Remap(memory, image);
    }

    /// <summary>
    /// Makes the instance show <paramref name="image"/> (the memory's content right after a commit)
    /// and nothing else: the files it mapped before are no longer kept alive by it, and a memory that
    /// was copied rather than mapped is mapped again.
    /// </summary>
    private void Remap(LinearMemory memory, MemoryImage image)
    {
        nint address = memory.Address;
        Posix.MapZeros(address, memory.Length);
        Posix.NoHugePages(address, memory.Length);
        image.MapInto(address);
        _mappedAt = address;
        _moved = false;
        _showsImage = true;
        _mappedLayers = [.. image.Layers];
        _staleFiles = _staleRuns = 0;
    }

    /// <summary>True when <paramref name="image"/> holds every layer the instance maps, at the same place (it only adds overlays on top).</summary>
    private bool Extends(MemoryImage image)
    {
        if (_mappedLayers is null || image.Layers.Count < _mappedLayers.Length) return false;
        for (int i = 0; i < _mappedLayers.Length; i++)
            if (!ReferenceEquals(image.Layers[i], _mappedLayers[i])) return false;
        return true;
    }

    public override void Dispose()
    {
        _overlay.Dispose();
        ReleasePrivate();
        if (_image is not null) _images.Return(_image);
        _image = null;
    }

    private void ReleasePrivate()
    {
        if (_private is null) return;
        _private.Close();
        _private.Release();
        _private = null;
    }

    // Too many overlay slots: one private base of the whole current memory replaces image and overlay.
    private void Compact(LinearMemory memory)
    {
        ulong pages = memory.Length / PageSize;
        var layer = ImageLayer.CreateBase(_images.NewSessionFile(), memory.Length,
            Enumerable.Range(0, checked((int)pages)).Select(i => ((ulong)i, (ReadOnlyMemory<byte>)memory.Page((ulong)i, PageSize).ToArray())));
        try
        {
            layer.Open();
        }
        catch
        {
            layer.Release();
            throw;
        }
        ReleasePrivate();
        _private = layer;
        layer.MapInto(memory.Address);
        // It replaced every mapping; the commit remaps from the committed image.
        _mappedLayers = [];
        _staleFiles = _staleRuns = 0;
        _showsImage = false;
        _overlay.Dispose();
        _overlay = new SessionOverlay(_images.NewSessionFile());
        _overlayRuns = 0;
    }
}
