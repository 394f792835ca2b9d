using Microsoft.Win32.SafeHandles;

namespace Piecrust.Memory;

/// <summary>
/// The file under one or more image layers: a base's sparse file, or the overlays one memory's
/// commits add one after another (<see cref="ImageLayer.AppendOverlay"/>). A memory committed block
/// after block would otherwise create a file per commit, and creating files where many were removed
/// costs the filesystem hundreds of µs each (ext4 searches its inode bitmap past recently freed
/// inodes: ~35 ms of a 1,000-call block over 100 contracts, BlockBench). Bytes once written are never
/// written again, so private mappings stay coherent. Reference-counted by its layers; the last one
/// removes the file (mappings made earlier stay valid). Open only while some layer reads or maps it.
/// </summary>
internal sealed class LayerFile
{
    private readonly object _gate = new();
    private SafeFileHandle? _handle; // open while _users > 0
    private int _users;
    private int _references;
    private long _end;
    private ImageLayer? _last; // the layer whose bytes end the file: an overlay may follow it

    /// <param name="path">The file, already written.</param>
    /// <param name="end">The bytes written in it.</param>
    public LayerFile(string path, long end = 0)
    {
        Path = path;
        _end = end;
    }

    public string Path { get; }

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops a layer's reference; the last one has the file removed (off this thread, <see cref="FileReaper"/>).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        FileReaper.Remove(Path);
    }

    /// <summary>
    /// Claims <paramref name="bytes"/> at the end of the file for the overlay that follows
    /// <paramref name="after"/>, when <paramref name="after"/> still ends the file (no other layer
    /// followed it, no claim is pending); returns the offset, or null.
    /// </summary>
    public long? TryClaimAfter(ImageLayer after, long bytes)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_last, after)) return null;
            long offset = _end;
            _end += bytes;
            _last = null; // nothing may follow until the claim is written (a failed one ends appending)
            return offset;
        }
    }

    /// <summary><paramref name="layer"/>'s bytes (the whole file, or a claim now written) end the file: an overlay may follow it.</summary>
    public void EndsWith(ImageLayer layer)
    {
        lock (_gate) _last = layer;
    }

    /// <summary>Starts a use: the file is opened read-only by the first user.</summary>
    public void Open()
    {
        lock (_gate)
        {
            // Counted only once open: a failed open leaves no user behind, so a later use retries.
            if (_users == 0)
            {
                try
                {
                    _handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
                }
                catch (Exception e) when (ImageFileErrors.IsIOFailure(e))
                {
                    throw ImageFileErrors.Failed("Opening", Path, e);
                }
            }
            _users++;
        }
    }

    /// <summary>Ends a use: the last user closes the file (mappings made from it stay valid).</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (--_users > 0) return;
            _handle!.Dispose();
            _handle = null;
        }
    }

    /// <summary>The open handle (between <see cref="Open"/> and <see cref="Close"/>).</summary>
    public SafeFileHandle Handle => _handle ?? throw new InvalidOperationException($"Image file {Path} is read or mapped without being open.");
}
