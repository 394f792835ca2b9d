using Piecrust.Storage;

namespace Piecrust.Memory;

/// <summary>
/// The stored pages of a committed memory that lie past its length: legal (the ABI persists bytes
/// there, and a snapshot may hold them) but not part of the memory an instance shows. Read from the
/// store only when first needed (a read past the length, or a growth past <see cref="From"/>). When a
/// growth brings one inside the length, the capture records what the instance holds there (zeros
/// unless the contract wrote), as the plain path does, so both memory paths commit the same pages.
/// Used by one session thread.
/// </summary>
internal sealed class PagesPastLength(ulong from, Func<IEnumerable<(ulong Index, byte[] Bytes)>> load)
{
    private SortedDictionary<ulong, byte[]>? _pages;

    /// <summary>The first page index past the committed length: no page below it is held here.</summary>
    public ulong From { get; } = from;

    private SortedDictionary<ulong, byte[]> Pages
    {
        get
        {
            if (_pages is null)
            {
                _pages = new SortedDictionary<ulong, byte[]>();
                foreach (var (index, bytes) in load()) _pages[index] = bytes;
            }
            return _pages;
        }
    }

    /// <summary>Reads page <paramref name="index"/> if it is a stored page past the length not yet brought inside.</summary>
    public bool TryRead(ulong index, Span<byte> destination)
    {
        if (index < From || !Pages.TryGetValue(index, out var bytes)) return false;
        bytes.CopyTo(destination);
        return true;
    }

    /// <summary>The held pages below <paramref name="pages"/> (a length in pages that grew past <see cref="From"/>), ascending.</summary>
    public List<ulong> Below(ulong pages) => pages <= From ? [] : [.. Pages.Keys.TakeWhile(index => index < pages)];

    /// <summary>Forgets pages a capture has brought inside the length (the session's overlay holds them now).</summary>
    public void Forget(List<ulong> indices)
    {
        foreach (ulong index in indices) Pages.Remove(index);
    }
}
