using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The default memory path: a contract's memory is its base image (shared, immutable files of the
/// session's base commit) mapped copy-on-write over the Wasmtime memory, plus this session's
/// overlay of checkpointed pages. Loading costs a few mmaps and the pages a call touches fault in
/// lazily. A call boundary costs nothing; at a checkpoint the kernel's page tables say which pages
/// were written since the last one, only those are compared and saved, and a revert discards just
/// them (<c>madvise(DONTNEED)</c>) so they read from the files again. The first pages a session
/// changes stay the instance's own private copies rather than being mapped over (see
/// <see cref="KeptPages"/>): a revert writes those back from their copies. Used by one session thread.
/// </summary>
internal sealed class MappedContractMemory : ContractMemory
{
    private const int PageSize = PageStore.PageSize;
    private const int CompactionThreshold = 4096;

    /// <summary>
    /// Compaction reads every page up to the length: it runs only while that is at most this many
    /// times the pages the overlay holds, so its cost follows the pages written (paid for in gas),
    /// not the length (one growth of a 64-bit memory to 4 TiB costs 1 gas).
    /// </summary>
    private const int MaxCompactionReadsPerSlot = 16;

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
    internal const int MaxIdleImageRuns = 8;

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
    private MemoryImage? _image; // this memory holds a use of it: returned to the cache when replaced or disposed
    private bool _imageLoaded;
    private ImageLayer? _private; // a session-private full image after compaction (open); supersedes image and overlay
    private SessionOverlay _overlay;
    private readonly SortedSet<ulong> _changed = new();
    private KeptPages _kept = new(); // checkpointed pages the instance holds privately, not mapped from the overlay
    private ulong _length;
    private bool _captured; // a committed memory, or a new one past its first checkpoint: the instance shows this state, not its own
    private bool _lengthChanged;
    private nint _mappedAt;
    private bool _moved;
    private int _overlayRuns; // mappings the session overlay currently has over the instance
    private bool _showsImage; // the instance shows Image's own mappings (plus overlay runs and private pages), nothing older
    private ImageLayer[]? _mappedLayers; // the image layers the instance shows under the session's pages; null: not known (shown before this session)
    private int _staleFiles, _staleRuns; // earlier session overlays the instance still maps
    // The pages the instance holds privately besides the kept ones (written back to what they were),
    // as the last checkpoint found them: while nothing writes the instance, its end drops exactly
    // these rather than scanning its page tables again (a block's 100 memories: ~4% of the block,
    // BlockBench). Null: not known (loaded or changed since in ways a checkpoint did not see).
    private List<ulong>? _unkeptPrivate;

    private MappedContractMemory(ImageCache images, ImageKey? baseKey, ulong length, Func<MemoryImage?> loadImage, bool isNew)
    {
        _images = images;
        _baseKey = baseKey;
        _length = length;
        _loadImage = loadImage;
        _lengthChanged = isNew;
        _captured = !isNew;
        _overlay = new SessionOverlay(images.NewSessionFile());
    }

    /// <summary>
    /// A committed memory whose image is fetched (and built if needed) on first load; the loader hands
    /// over a reference. The image holds the stored pages past the length too (they stay addressable).
    /// </summary>
    public static MappedContractMemory FromImage(ImageCache images, ImageKey key, Func<MemoryImage> loadImage) =>
        new(images, key, key.Length, () => loadImage(), isNew: false);

    /// <summary>A new contract's memory: nothing until the first checkpoint captures what instantiation wrote.</summary>
    public static MappedContractMemory New(ImageCache images) => new(images, null, 0, () => null, isNew: true);

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
        _unkeptPrivate = null;
        if (_captured) memory.SetLength(_length);
        // Another instance: the overlay mapped next must cover every checkpointed page, kept ones too.
        _overlay.Append(_kept.Pages());
        _kept.Clear();
        _mappedLayers = [];
        _staleFiles = _staleRuns = 0;
        if (!_captured)
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
            // The compacted copy covers every page the instance may hold.
            Posix.NoHugePages(address, memory.Capacity);
            _private.MapInto(address, memory.Capacity);
        }
        // An instance an earlier session left showing this very image needs no mapping.
        else if (prior.Image is not { } shown || shown != BaseImage || (prior.View is not null && (Modified || _overlay.Count > 0)))
        {
            if (prior.Image is not null && prior.Image != BaseImage) throw new InvalidOperationException("An instance showing another image must be cleared first.");
            if (prior.View is not null)
            {
                // This session's overlay would be mapped over its private pages: start from zeros instead.
                Posix.MapZeros(address, memory.Capacity);
                prior = PriorContent.Zeros;
            }
            Posix.NoHugePages(address, memory.Capacity);
            // A new instance's data segments were written into the initial pages: clear what the base
            // does not cover (overlay pages mapped next replace their share of it anyway).
            ulong covered = Image?.BaseLength ?? 0;
            if (fresh > covered && !prior.Zeroed) memory.Clear(covered, fresh - covered);
            Image?.MapInto(address, memory.Capacity);
            _mappedLayers = Image is { } image ? [.. image.Layers] : [];
        }
        else if (prior.View is { } view)
        {
            // The private pages hold committed content the mapped layers do not: they are the checkpoint now.
            _kept = view.Kept;
            _mappedLayers = view.MappedLayers;
            _staleFiles = view.StaleFiles;
            _staleRuns = view.StaleRuns;
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

    public override void Prefault(LinearMemory memory, ulong offset, ulong length)
    {
        // Measured (ColdStartBench, bench/RESULTS.md): on a fresh VM the first read of each page of a
        // freshly written image costs tens of µs, and so does its first copy on write, more than in a
        // VM that has run sessions. Reading the pages, then having the kernel copy them for writing and
        // dropping the copies again, leaves the next session's first accesses about as cheap as there
        // and no page private (checkpoints compare, and sub-call marks copy, every private page).
        memory.Prefault(offset, length);
        _unkeptPrivate = null;
        // Only where every private page is a copy of what lies under it: pages copied in or kept hold state.
        if (_moved || _kept.Count > 0 || offset >= memory.Capacity) return;
        ulong start = offset / PageSize * PageSize;
        ulong end = Math.Min((offset + Math.Min(length, memory.Capacity - offset) + PageSize - 1) / PageSize * PageSize, memory.Capacity);
        if (end <= start) return;
        nint address = memory.Address + (nint)start;
        Posix.PopulateWrite(address, end - start);
        Posix.DiscardPrivatePages(address, end - start);
    }

    public override void AfterCall(LinearMemory memory) { }

    public override void Checkpoint(LinearMemory? memory)
    {
        if (memory is null) return;
        ulong length = memory.Length;
        ulong pages = memory.Capacity / PageSize; // writes past the length persist too
        // Kept while there is room (the instance's copy is the checkpointed content); the others are mapped.
        var mapped = new List<(ulong Index, byte[] Bytes)>();
        Span<byte> previous = stackalloc byte[PageSize];
        // A memory whose overlay pages were copied in rather than mapped (see MaxOverlayRuns), or one
        // found at another address (Wasmtime never moves these memories: they never grow; kept as a
        // safeguard): every populated page is a candidate (unpopulated ones read as their file content).
        if (memory.Address != _mappedAt) _moved = true;
        var candidates = new List<ulong>();
        if (_moved) DirtyPageScanner.ScanPopulated(memory.Address, pages, candidates);
        else DirtyPageScanner.Scan(memory.Address, pages, candidates);
        var unkept = new List<ulong>();
        foreach (ulong index in candidates)
        {
            var current = memory.Page(index, PageSize);
            if (_kept.Unchanged(index, current)) continue;
            // A kept page's copy is its checkpointed content: it differs, so it changed.
            if (!_kept.Contains(index))
            {
                ReadPage(index, previous);
                if (current.SequenceEqual(previous))
                {
                    unkept.Add(index);
                    continue;
                }
            }
            _changed.Add(index);
            if (_moved || !_kept.TryKeep(index, current)) mapped.Add((index, current.ToArray()));
        }
        int runs = PageRuns.Count(mapped.Select(c => c.Index));
        if (!_moved && _overlayRuns + runs > MaxOverlayRuns) _moved = true; // stop mapping (see MaxOverlayRuns)
        if (_moved)
        {
            // A moved memory is never reverted in place: the overlay holds every checkpointed page from now on.
            _overlay.Append(_kept.Pages());
            _kept.Clear();
            _overlay.Append(mapped);
        }
        else
        {
            // Kept pages' copies are their checkpointed content (ReadPage reads them first): no file write.
            _overlay.AppendAndMap(memory.Address, mapped);
            _overlayRuns += runs;
        }
        if (length != _length)
        {
            _length = length;
            _lengthChanged = true;
        }
        _captured = true;
        // The changed pages are kept (private) or mapped from the overlay file (no longer private).
        _unkeptPrivate = _moved ? null : unkept;
        if (!_moved && _overlay.SlotsUsed > CompactionThreshold && _length / PageSize <= (ulong)(MaxCompactionReadsPerSlot * _overlay.SlotsUsed)
            && !HasPagesPastLength())
        {
            Compact(memory);
        }
    }

    public override bool TryRevert(LinearMemory memory)
    {
        // A new contract's memory is its instance's until the first checkpoint: nothing to go back to.
        if (_moved || memory.Address != _mappedAt || !_captured) return false;
        DiscardWrites(memory, _kept);
        _kept.Restore(memory);
        _unkeptPrivate = [];
        memory.SetLength(_length); // a growth only moved the length
        return true;
    }

    public override ImageKey? TryRestoreBaseImage(LinearMemory memory, bool writtenSinceCheckpoint, out IdleView? view)
    {
        view = null;
        if (_moved || _private is not null || _overlayRuns > 0 || memory.Address != _mappedAt) return null;
        if (BaseImage is not { } key || memory.Length != key.Length) return null;
        // Unwritten since the checkpoint: the kept pages' copies are what the instance holds, and the
        // other private pages are the ones the checkpoint found.
        var unwritten = writtenSinceCheckpoint ? null : _unkeptPrivate;
        if (_showsImage && _kept.Count == 0 && _staleFiles == 0)
        {
            // Not loaded: the instance showed the image before this session, so it passed this check then.
            if (_imageLoaded && _image!.MappingRuns > MaxIdleImageRuns) return null;
            DiscardWrites(memory, _kept, unwritten);
            return key;
        }
        // Committed (or taken over so) and unchanged since: the kept pages' copies are the image's
        // content, the rest of the instance maps it. Writes since go; the next session takes the rest.
        if (!_captured || Modified || _mappedLayers is null) return null;
        var shown = new IdleView(_kept, _mappedLayers, _staleFiles, _staleRuns);
        if (shown.Runs > MaxIdleImageRuns) return null;
        DiscardWrites(memory, _kept, unwritten);
        if (unwritten is null) _kept.Restore(memory);
        _kept = new KeptPages(); // the instance's now
        view = shown;
        return key;
    }

    // Drops the instance's private copies of pages but the kept ones: each reads from its file (or as
    // zeros) again. Those are found in the page tables, or given (ascending, none of them kept).
    private static void DiscardWrites(LinearMemory memory, KeptPages kept, List<ulong>? unkeptPrivate = null)
    {
        var dirty = unkeptPrivate;
        if (dirty is null)
        {
            dirty = [];
            DirtyPageScanner.Scan(memory.Address, memory.Capacity / PageSize, dirty);
            if (kept.Count > 0) dirty.RemoveAll(kept.Contains);
        }
        foreach (var (start, count) in PageRuns.Of(dirty))
            Posix.DiscardPrivatePages(memory.Address + (nint)(start * PageSize), count * PageSize);
    }

    public override IEnumerable<(ulong Index, ReadOnlyMemory<byte> Bytes)> ChangedPages(PageBuffer buffer)
    {
        foreach (ulong index in _changed)
        {
            var bytes = buffer.Next();
            ReadPage(index, bytes.Span);
            yield return (index, bytes);
        }
    }

    public override void ReadPage(ulong index, Span<byte> destination)
    {
        // Newest first: a kept page's copy, then the overlay (what was checkpointed since the compaction, if any, made the private base).
        if (_kept.TryRead(index, destination) || _overlay.TryRead(index, destination)) return;
        if (_private is not null)
        {
            if (!_private.TryRead(index, destination)) destination.Clear();
        }
        else if (Image is { } image) image.ReadPage(index, destination);
        else destination.Clear();
    }

    // The changes are relative to the image, also after a compaction (which copied the memory, changed nothing).
    private bool NeedsNewImage => Modified || !_imageLoaded || _private is not null;

    // The parent image is loaded here, on the session's thread (a load registers it under the base
    // commit, which takes the store's lock: the commit's write holds it while the work runs).
    public override Func<MemoryImage?>? PrepareCommit(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes) =>
        NeedsNewImage && Image is { } parent ? () => _images.Prepare(parent, key, changes) : null;

    public override void MarkCommitted(ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit, LinearMemory? memory, MemoryImage? prepared)
    {
        if (NeedsNewImage)
        {
            var derived = prepared is not null ? _images.Adopt(prepared, commit) : _images.Derive(Image, key, changes, commit);
            if (_image is not null) _images.Return(_image);
            _image = derived;
            _imageLoaded = true;
        }
        else if (prepared is not null)
        {
            ImageCache.Abandon(prepared);
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
        // The whole capacity: pages past the length are state too (the image holds them).
        Posix.MapZeros(address, memory.Capacity);
        Posix.NoHugePages(address, memory.Capacity);
        image.MapInto(address, memory.Capacity);
        _kept.Clear();
        _unkeptPrivate = [];
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

    // Compaction writes a base of the memory up to its length; pages past it would be lost from reads.
    private bool HasPagesPastLength() =>
        (_changed.Count > 0 && _changed.Max >= _length / PageSize) || (_private is null && Image is { } image && image.Extent > _length);

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
        layer.MapInto(memory.Address, memory.Capacity);
        _kept.Clear();
        // It replaced every mapping; the commit remaps from the committed image.
        _mappedLayers = [];
        _staleFiles = _staleRuns = 0;
        _showsImage = false;
        _overlay.Dispose();
        _overlay = new SessionOverlay(_images.NewSessionFile());
        _overlayRuns = 0;
    }
}
