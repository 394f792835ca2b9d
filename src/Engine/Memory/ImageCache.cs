using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The VM's immutable memory images, by memory content. An image is built from the store the
/// first time a session loads a memory (O(non-zero pages)) or, at commit, derived from the previous
/// image plus an overlay of the changed pages (O(changed pages)); after <see cref="MaxLayers"/> layers
/// the overlays are merged into one (O(pages changed since the base)), and when the merged overlay
/// would need too many mappings or cover a quarter of the memory the next image is a fresh base built
/// from the store, so mapping cost stays bounded.
/// </summary>
/// <remarks>
/// The cache keeps images between sessions within a budget (<see cref="VMOptions.MaxCachedImages"/>
/// images, <see cref="VMOptions.MaxCachedImageBytes"/> bytes of their files), not one per commit:
/// past it, the least recently used images no session uses are dropped, and a later session that
/// needs one builds it from the store again. An image is also dropped when every commit it was
/// registered under (at most <see cref="MaxTrackedCommits"/>; past that, only the budget drops it)
/// is deleted. A dropped image's files are removed once no session uses them (sessions that mapped
/// them keep their mappings; the callback given to the constructor hears of every dropped image, so idle
/// instances stop showing it). Cached images hold no open files: a session opens an image's files
/// while it uses them. The directory is private to this process and cleared when the VM opens.
/// Thread-safe.
/// </remarks>
internal sealed class ImageCache : IDisposable
{
    public const int MaxLayers = 8;

    /// <summary>Mappings an overlay layer may need (runs of consecutive pages); a larger change makes a fresh base.</summary>
    public const int MaxOverlayRuns = 256;

    /// <summary>Commits an image remembers being registered under; one used by more is left to the budget alone.</summary>
    public const int MaxTrackedCommits = 8;

    private readonly string _directory;
    private readonly MerkleIndex _index;
    private readonly Func<Hash, bool> _isLive;
    private readonly int _maxImages;
    private readonly long _maxBytes;
    private readonly Action<IReadOnlyList<ImageKey>>? _onDropped;
    private readonly object _lock = new();
    private readonly Dictionary<ImageKey, Entry> _images = new();
    private readonly LinkedList<Entry> _recency = new(); // least recently used first
    private readonly Dictionary<ImageLayer, int> _cachedLayers = new(ReferenceEqualityComparer.Instance); // layer -> cached images using it
    private long _cachedBytes;
    private long _fileCounter;

    private sealed class Entry(MemoryImage image)
    {
        public MemoryImage Image { get; } = image;
        public LinkedListNode<Entry>? Node { get; set; }

        /// <summary>Commits the image was registered under (empty once more than <see cref="MaxTrackedCommits"/>: see <see cref="Untracked"/>).</summary>
        public List<Hash> Commits { get; } = [];

        /// <summary>True when the image was registered under more commits than it remembers: deletions never drop it.</summary>
        public bool Untracked { get; set; }
    }

    /// <param name="directory">Where image files live; cleared now.</param>
    /// <param name="index">The store images are built from.</param>
    /// <param name="isLive">Whether a commit is live (images are registered only under live commits).</param>
    /// <param name="maxImages">How many images to keep between sessions (at least 0).</param>
    /// <param name="maxBytes">How many bytes of image files to keep between sessions (at least 0).</param>
    /// <param name="onDropped">Told, outside the cache's lock, which images the cache dropped.</param>
    public ImageCache(string directory, MerkleIndex index, Func<Hash, bool> isLive, int maxImages, long maxBytes, Action<IReadOnlyList<ImageKey>>? onDropped = null)
    {
        CheckBudget(maxImages, maxBytes);
        _directory = directory;
        _index = index;
        _isLive = isLive;
        _maxImages = maxImages;
        _maxBytes = maxBytes;
        _onDropped = onDropped;
        FileReaper.Drain(); // an earlier cache's queued removals must not reach this one's files (names repeat)
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
        {
            throw ImageFileErrors.Failed("Clearing", directory, e);
        }
    }

    /// <summary>Refuses a budget no cache can keep, before anything is opened.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is negative (like the other <see cref="VMOptions"/> limits).</exception>
    public static void CheckBudget(int maxImages, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxImages, "options." + nameof(VMOptions.MaxCachedImages));
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes, "options." + nameof(VMOptions.MaxCachedImageBytes));
    }

    /// <summary>Images currently cached (diagnostics and tests).</summary>
    public int Count
    {
        get { lock (_lock) return _images.Count; }
    }

    /// <summary>Images built from the store so far (diagnostics and tests).</summary>
    public long BuiltFromStore { get; private set; }

    /// <summary>True when the image of <paramref name="key"/> is cached.</summary>
    public bool Contains(ImageKey key)
    {
        lock (_lock) return _images.ContainsKey(key);
    }

    /// <summary>
    /// The image of a committed memory, built from the store if needed, registered under
    /// <paramref name="commit"/> while that commit lives. The caller gets a use of its own (files
    /// open) and ends it with <see cref="Return"/>: the cache may drop its own reference meanwhile.
    /// </summary>
    public MemoryImage Get(ContractLeaf leaf, Hash commit)
    {
        var key = ImageKey.Of(leaf);
        var vanished = new List<ImageKey>();
        lock (_lock)
        {
            if (_images.TryGetValue(key, out var cached))
            {
                if (TryUse(cached.Image))
                {
                    if (_isLive(commit)) Register(commit, cached);
                    Touch(cached);
                    return cached.Image;
                }
                // Its files were removed behind the cache's back (an image is only a cache of the
                // store): forget it and build it again below.
                Drop(cached);
                vanished.Add(key);
            }
        }
        Dropped(vanished);

        var image = new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), leaf.MemoryLength, ReadPages(leaf))]);
        var dropped = new List<ImageKey>();
        try
        {
            lock (_lock)
            {
                BuiltFromStore++;
                // Registered only while the commit lives, under the lock ForgetCommits takes after a deletion.
                if (!_isLive(commit))
                {
                    // The user's reference is the only one kept; if opening fails, nothing is (the files go).
                    try { image.Use(); }
                    finally { image.Release(); }
                    return image;
                }
                return AddOrTakeRaced(image, commit, dropped);
            }
        }
        finally
        {
            Dropped(dropped);
        }
    }

    /// <summary>
    /// The image of a memory committed as <paramref name="key"/> under <paramref name="commit"/>:
    /// <paramref name="parent"/> (the memory's previous image, or null for a new contract) plus
    /// <paramref name="changes"/> (every page that differs from it, ascending). The caller gets a
    /// use of its own, as with <see cref="Get"/>; <paramref name="parent"/> must be in use (its files are read).
    /// </summary>
    public MemoryImage Derive(MemoryImage? parent, ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit)
    {
        lock (_lock)
            if (_images.TryGetValue(key, out var cached)) return Keep(commit, cached);
        return Adopt(Build(parent, key, changes, mayReadStore: true)!, commit);
    }

    /// <summary>
    /// The file work of <see cref="Derive"/> alone, done before the commit is written (on any thread:
    /// a session writes its memories' images while the commit's batch is written). Null when the
    /// image is cached already, or when it would be a fresh base, which reads the new page tree from
    /// the store (<see cref="Derive"/> builds it once the commit is written). The image is not cached
    /// yet: hand it to <see cref="Adopt"/> once the commit is written, else to <see cref="Abandon"/>.
    /// </summary>
    public MemoryImage? Prepare(MemoryImage parent, ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes)
    {
        lock (_lock)
            if (_images.ContainsKey(key)) return null;
        return Build(parent, key, changes, mayReadStore: false);
    }

    /// <summary>Caches an image <see cref="Prepare"/> built, its commit <paramref name="commit"/> now written; the caller gets a use, as with <see cref="Derive"/>.</summary>
    public MemoryImage Adopt(MemoryImage image, Hash commit)
    {
        var dropped = new List<ImageKey>();
        try
        {
            lock (_lock)
            {
                return AddOrTakeRaced(image, commit, dropped);
            }
        }
        finally
        {
            Dropped(dropped);
        }
    }

    /// <summary>Drops an image <see cref="Prepare"/> built for a commit that was not written: its new files go.</summary>
    public static void Abandon(MemoryImage image) => image.Release();

    // The image of key as parent plus changes, not cached; null when that needs the store and mayReadStore is false.
    private MemoryImage? Build(MemoryImage? parent, ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, bool mayReadStore)
    {
        if (parent is null) return new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), key.Length, changes)]);
        if (parent.Layers.Count < MaxLayers && PageRuns.Count(changes.Select(c => c.Index)) <= MaxOverlayRuns)
        {
            // Right after the parent's last overlay in its file when nothing followed it there: no new file.
            var overlay = ImageLayer.AppendOverlay(parent.Layers[^1], changes) ?? ImageLayer.CreateOverlay(NewPath("overlay"), changes);
            foreach (var layer in parent.Layers) layer.AddReference();
            return new MemoryImage(key, [.. parent.Layers, overlay]);
        }
        if (MergedOverlayPages(parent, changes) is var merged && PageRuns.Count(merged) <= MaxOverlayRuns
            && (ulong)merged.Count <= key.Length / PageStore.PageSize / 4)
        {
            // Too many layers: the overlays and the changes merge into one overlay over the same base,
            // which costs the pages changed since that base, not the memory.
            var overlay = ImageLayer.CreateOverlay(NewPath("overlay"), ReadMerged(parent, merged, changes));
            var @base = parent.Layers[0];
            @base.AddReference();
            return new MemoryImage(key, [@base, overlay]);
        }
        if (!mayReadStore) return null;
        // An overlay of many scattered pages (one mapping each, and every session loading the
        // memory would pay them against vm.max_map_count), or of a quarter of the memory (whose
        // merges would rewrite it again and again): a fresh base is one mapping.
        var leaf = new ContractLeaf(default, default, ReadOnlyMemory<byte>.Empty, key.PageTreeRoot, key.Length, key.Is64);
        return new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), key.Length, ReadPages(leaf))]);
    }

    // Under the lock, once an image is built: one another thread added meanwhile wins (this one's files go);
    // else this one is added, and images past the budget are dropped.
    private MemoryImage AddOrTakeRaced(MemoryImage image, Hash commit, List<ImageKey> dropped)
    {
        if (_images.TryGetValue(image.Key, out var raced))
        {
            image.Release();
            return Keep(commit, raced);
        }
        var kept = Keep(commit, Add(image));
        DropOverBudget(dropped);
        return kept;
    }

    /// <summary>Every page the parent's overlays (all its layers but the base) or the changes hold, ascending.</summary>
    private static List<ulong> MergedOverlayPages(MemoryImage parent, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes)
    {
        var pages = new SortedSet<ulong>(changes.Select(c => c.Index));
        foreach (var layer in parent.Layers.Skip(1)) pages.UnionWith(layer.OverlayPages);
        return [.. pages];
    }

    // Each merged page from the changes, else from the newest overlay that has it (never the base: the merge replaces only overlays).
    private static IEnumerable<(ulong, ReadOnlyMemory<byte>)> ReadMerged(MemoryImage parent, List<ulong> pages, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes)
    {
        var changed = changes.ToDictionary(c => c.Index, c => c.Bytes);
        var buffer = new byte[PageStore.PageSize];
        foreach (ulong index in pages)
        {
            if (changed.TryGetValue(index, out var bytes))
            {
                yield return (index, bytes);
                continue;
            }
            bool found = false;
            for (int i = parent.Layers.Count - 1; i >= 1 && !found; i--)
                found = parent.Layers[i].TryRead(index, buffer);
            if (!found) throw new InvalidOperationException($"Page {index} is in no overlay of the image being merged.");
            yield return (index, buffer);
        }
    }

    /// <summary>Ends a use <see cref="Get"/> or <see cref="Derive"/> handed out; past the budget, unused images are dropped.</summary>
    public void Return(MemoryImage image)
    {
        image.EndUse();
        var dropped = new List<ImageKey>();
        lock (_lock)
            if (_images.TryGetValue(image.Key, out var entry) && entry.Image == image) DropOverBudget(dropped);
        Dropped(dropped);
    }

    /// <summary>Drops the images registered only under commits that no longer exist (sessions using one keep it).</summary>
    public void ForgetCommits(IEnumerable<Hash> commits)
    {
        var deleted = commits.ToHashSet();
        var dropped = new List<ImageKey>();
        lock (_lock)
        {
            foreach (var entry in _recency.ToArray())
            {
                if (entry.Untracked || entry.Commits.RemoveAll(deleted.Contains) == 0 || entry.Commits.Count > 0) continue;
                Drop(entry);
                dropped.Add(entry.Image.Key);
            }
        }
        Dropped(dropped);
    }

    /// <summary>A new file name for a session's private overlay.</summary>
    public string NewSessionFile() => NewPath("session");

    private Entry Add(MemoryImage image)
    {
        var entry = new Entry(image);
        _images.Add(image.Key, entry);
        entry.Node = _recency.AddLast(entry);
        foreach (var layer in image.Layers)
        {
            _cachedLayers[layer] = _cachedLayers.GetValueOrDefault(layer) + 1;
            if (_cachedLayers[layer] == 1) _cachedBytes += layer.DiskBytes;
        }
        return entry;
    }

    /// <summary>Removes an entry and drops the cache's reference (under the lock); users keep theirs.</summary>
    private void Drop(Entry entry)
    {
        _images.Remove(entry.Image.Key);
        _recency.Remove(entry.Node!);
        foreach (var layer in entry.Image.Layers)
        {
            if (--_cachedLayers[layer] > 0) continue;
            _cachedLayers.Remove(layer);
            _cachedBytes -= layer.DiskBytes;
        }
        entry.Image.Release();
    }

    /// <summary>Drops least recently used images no session uses until the cache is within its budget (under the lock).</summary>
    // A use of a cached image, or false when a file of it no longer exists (it was open in no use).
    private static bool TryUse(MemoryImage image)
    {
        try
        {
            image.Use();
            return true;
        }
        catch (StoreIOException e) when (e.InnerException is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private void DropOverBudget(List<ImageKey> dropped)
    {
        for (var node = _recency.First; node is not null && (_images.Count > _maxImages || _cachedBytes > _maxBytes);)
        {
            var next = node.Next;
            if (!node.Value.Image.InUse)
            {
                Drop(node.Value);
                dropped.Add(node.Value.Image.Key);
            }
            node = next;
        }
    }

    private void Dropped(List<ImageKey> dropped)
    {
        if (dropped.Count > 0) _onDropped?.Invoke(dropped);
    }

    private void Register(Hash commit, Entry entry)
    {
        if (entry.Untracked || entry.Commits.Contains(commit)) return;
        if (entry.Commits.Count < MaxTrackedCommits)
        {
            entry.Commits.Add(commit);
            return;
        }
        entry.Untracked = true;
        entry.Commits.Clear();
    }

    private void Touch(Entry entry)
    {
        _recency.Remove(entry.Node!);
        _recency.AddLast(entry.Node!);
    }

    /// <summary>Registers a cached image under <paramref name="commit"/>, marks it used now and hands the caller a use of its own (under the lock).</summary>
    private MemoryImage Keep(Hash commit, Entry entry)
    {
        Register(commit, entry);
        Touch(entry);
        entry.Image.Use();
        return entry.Image;
    }

    // CreateBase copies each page as it comes, as the reused buffer requires.
    private IEnumerable<(ulong, ReadOnlyMemory<byte>)> ReadPages(ContractLeaf leaf) =>
        StoredPages.Read(_index, leaf, 0).Select(page => (page.Index, page.Bytes));

    private string NewPath(string kind) => Path.Combine(_directory, $"{kind}-{Interlocked.Increment(ref _fileCounter)}");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _recency.ToArray()) Drop(entry);
        }
        FileReaper.Drain();
    }
}
