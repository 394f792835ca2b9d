using FsCheck;
using FsCheck.Fluent;
using Piecrust.Merkle;

namespace Piecrust.PropertyTests.Support;

/// <summary>Generators of page indices and page contents shared by the properties.</summary>
public static class PageGens
{
    /// <summary>
    /// Page indices below a tree's capacity: uniform ones, clusters of neighbours (so sibling pages,
    /// and identical siblings, are common) and boundaries (0, the middle, the last page, powers of two).
    /// </summary>
    public static Gen<ulong> Index(int height)
    {
        ulong last = PageTree.Capacity(height) - 1;
        var boundaries = new ulong[] { 0, 1, 2, 3, last / 2, last / 2 + 1, last - 1, last, 1UL << 10, (1UL << 10) - 1, 1UL << 19, 1UL << (height - 1) };
        return Gen.Frequency(
            (6, Gen.Choose(0, (int)last).Select(i => (ulong)i)),
            (4, from anchor in Gen.Elements(0UL, 4096UL, last / 3 & ~15UL, last - 15)
                from offset in Gen.Choose(0, 15)
                select anchor + (ulong)offset),
            (2, Gen.Elements(boundaries)));
    }

    /// <summary>Page contents: often zero, mostly from a small pool (so duplicates are common), sometimes fully random.</summary>
    public static readonly Gen<PageContent> Content = Gen.Frequency(
        (2, Gen.Constant(PageContent.Zero)),
        (6, Gen.Choose(1, 8).Select(s => new PageContent(s))),
        (2, Gen.Choose(9, 999).Select(s => new PageContent(s))),
        (1, Gen.Choose(1000, 1003).Select(s => new PageContent(s))));

    /// <summary>A write of a generated content to a generated index.</summary>
    public static Gen<PageWrite> Write(int height) =>
        from index in Index(height)
        from content in Content
        select new PageWrite(index, content);
}
