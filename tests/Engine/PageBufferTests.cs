using Piecrust.Memory;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>The buffer a commit reads its changed pages into: slices never overlap until a reset, and the memory is reused after one, within a bound.</summary>
public sealed class PageBufferTests
{
    private const int PageSize = Piecrust.Storage.PageStore.PageSize;

    [Fact]
    public void Slices_handed_out_hold_their_bytes_until_the_buffer_is_reset_and_are_reused_after()
    {
        var buffer = new PageBuffer();
        var pages = Enumerable.Range(0, 100).Select(i =>
        {
            var page = buffer.Next();
            page.Span.Fill((byte)i);
            return page;
        }).ToArray();
        Assert.All(pages, page => Assert.Equal(PageSize, page.Length));
        for (int i = 0; i < pages.Length; i++) Assert.True(pages[i].Span.IndexOfAnyExcept((byte)i) < 0, $"page {i} was overwritten");

        buffer.Reset();
        var again = buffer.Next();
        Assert.True(again.Span.Overlaps(pages[0].Span)); // the same memory, not a new allocation
    }

    [Fact]
    public void A_reset_keeps_no_more_than_the_bound()
    {
        var buffer = new PageBuffer();
        var first = buffer.Next();
        for (int i = 1; i < PageBuffer.MaxKeptPages + 100; i++) buffer.Next();
        var past = buffer.Next(); // a page past the bound
        buffer.Reset();
        var pages = Enumerable.Range(0, PageBuffer.MaxKeptPages + 101).Select(_ => buffer.Next()).ToArray();
        Assert.True(pages[0].Span.Overlaps(first.Span));
        Assert.DoesNotContain(pages, page => page.Span.Overlaps(past.Span)); // its chunk was dropped, a new one made
    }
}
