using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The VM's immutable memory images, by memory content. An image is built from the store the
/// first time a session loads a memory (O(non-zero pages), once per process and memory root) or,
/// at commit, derived from the previous image plus an overlay of the changed pages (O(changed
/// pages)); after <see cref="MaxLayers"/> layers the overlays are merged into one (O(pages changed
/// since the base)), and when the merged overlay would need too many mappings or cover a quarter of
/// the memory the next image is a fresh base built from the store, so mapping cost stays bounded.
/// Images are registered under the commits that use them and released when those commits are
/// deleted; files of released images are removed (sessions that mapped them keep their
/// mappings). The directory is private to this process and cleared when the VM opens. Thread-safe.
/// </summary>
internal sealed class ImageCache : IDisposable
{
    public const int MaxLayers = 8;

    /// <summary>Mappings an overlay layer may need (runs of consecutive pages); a larger change makes a fresh base.</summary>
    public const int MaxOverlayRuns = 256;

    private readonly string _directory;
    private readonly MerkleIndex _index;
    private readonly object _lock = new();
    private readonly Dictionary<ImageKey, Entry> _images = new();
    private readonly Dictionary<Hash, HashSet<ImageKey>> _byCommit = new();
    private long _fileCounter;

    private sealed class Entry(MemoryImage image)
    {
        public MemoryImage Image { get; } = image;
        public int Commits { get; set; }
    }

    private readonly Func<Hash, bool> _isLive;

    public ImageCache(string directory, MerkleIndex index, Func<Hash, bool> isLive)
    {
        _directory = directory;
        _index = index;
        _isLive = isLive;
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

    /// <summary>Images currently cached (diagnostics and tests).</summary>
    public int Count
    {
        get { lock (_lock) return _images.Count; }
    }

    /// <summary>Images built from the store so far (diagnostics and tests).</summary>
    public long BuiltFromStore { get; private set; }

    /// <summary>
    /// The image of a committed memory, built from the store if needed, registered under
    /// <paramref name="commit"/> while that commit lives. The caller gets a reference of its own and
    /// releases it when done: the cache drops its reference when the commit is deleted, which can
    /// happen while a session still uses the image (its lease keeps the commit's objects, not the files).
    /// </summary>
    public MemoryImage Get(ContractLeaf leaf, Hash commit)
    {
        var key = ImageKey.Of(leaf);
        lock (_lock)
        {
            if (_images.TryGetValue(key, out var cached))
            {
                if (_isLive(commit)) Register(commit, key, cached);
                cached.Image.AddReferences();
                return cached.Image;
            }
        }

        var image = new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), leaf.MemoryLength, ReadPages(leaf))]);
        lock (_lock)
        {
            BuiltFromStore++;
            // Registered only while the commit lives, under the lock ForgetCommits takes after a deletion.
            if (!_isLive(commit)) return image;
            if (_images.TryGetValue(key, out var raced))
            {
                image.Release();
                return Keep(commit, key, raced);
            }
            return Keep(commit, key, _images[key] = new Entry(image));
        }
    }

    /// <summary>
    /// The image of a memory committed as <paramref name="key"/> under <paramref name="commit"/>:
    /// <paramref name="parent"/> (the memory's previous image, or null for a new contract) plus
    /// <paramref name="changes"/> (every page that differs from it, ascending). The caller gets a
    /// reference of its own, as with <see cref="Get"/>.
    /// </summary>
    public MemoryImage Derive(MemoryImage? parent, ImageKey key, IReadOnlyList<(ulong Index, ReadOnlyMemory<byte> Bytes)> changes, Hash commit)
    {
        lock (_lock)
            if (_images.TryGetValue(key, out var cached)) return Keep(commit, key, cached);

        MemoryImage image;
        if (parent is null)
        {
            image = new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), key.Length, changes)]);
        }
        else if (parent.Layers.Count < MaxLayers && PageRuns.Count(changes.Select(c => c.Index)) <= MaxOverlayRuns)
        {
            parent.AddReferences();
            image = new MemoryImage(key, [.. parent.Layers, ImageLayer.CreateOverlay(NewPath("overlay"), changes)]);
        }
        else if (MergedOverlayPages(parent, changes) is var merged && PageRuns.Count(merged) <= MaxOverlayRuns
            && (ulong)merged.Count <= key.Length / PageStore.PageSize / 4)
        {
            // Too many layers: the overlays and the changes merge into one overlay over the same base,
            // which costs the pages changed since that base, not the memory.
            var @base = parent.Layers[0];
            @base.AddReference();
            image = new MemoryImage(key, [@base, ImageLayer.CreateOverlay(NewPath("overlay"), ReadMerged(parent, merged, changes))]);
        }
        else
        {
            // An overlay of many scattered pages (one mapping each, and every session loading the
            // memory would pay them against vm.max_map_count), or of a quarter of the memory (whose
            // merges would rewrite it again and again): a fresh base is one mapping.
            var leaf = new ContractLeaf(default, default, ReadOnlyMemory<byte>.Empty, key.PageTreeRoot, key.Length, key.Is64);
            image = new MemoryImage(key, [ImageLayer.CreateBase(NewPath("base"), key.Length, ReadPages(leaf))]);
        }
        lock (_lock)
        {
            if (_images.TryGetValue(key, out var raced))
            {
                image.Release();
                return Keep(commit, key, raced);
            }
            return Keep(commit, key, _images[key] = new Entry(image));
        }
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

    /// <summary>Releases the images registered under commits that no longer exist.</summary>
    public void ForgetCommits(IEnumerable<Hash> commits)
    {
        lock (_lock)
        {
            foreach (var commit in commits)
            {
                if (!_byCommit.Remove(commit, out var keys)) continue;
                foreach (var key in keys)
                {
                    var entry = _images[key];
                    if (--entry.Commits > 0) continue;
                    _images.Remove(key);
                    entry.Image.Release();
                }
            }
        }
    }

    /// <summary>A new file name for a session's private overlay.</summary>
    public string NewSessionFile() => NewPath("session");

    private void Register(Hash commit, ImageKey key, Entry entry)
    {
        if (!_byCommit.TryGetValue(commit, out var keys)) _byCommit[commit] = keys = [];
        if (keys.Add(key)) entry.Commits++;
    }

    /// <summary>Registers a cached image under <paramref name="commit"/> and hands the caller a reference of its own (under the lock).</summary>
    private MemoryImage Keep(Hash commit, ImageKey key, Entry entry)
    {
        Register(commit, key, entry);
        entry.Image.AddReferences();
        return entry.Image;
    }

    private IEnumerable<(ulong, ReadOnlyMemory<byte>)> ReadPages(ContractLeaf leaf)
    {
        var buffer = new byte[PageStore.PageSize];
        foreach (var page in _index.Pages(leaf.PageTreeRoot, leaf.Height))
        {
            _index.Store.ReadPage(page.Key, buffer);
            yield return (page.Index, buffer);
        }
    }

    private string NewPath(string kind) => Path.Combine(_directory, $"{kind}-{Interlocked.Increment(ref _fileCounter)}");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _images.Values) entry.Image.Release();
            _images.Clear();
            _byCommit.Clear();
        }
    }
}
