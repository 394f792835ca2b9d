using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Storage;

/// <summary>
/// The batched page hasher gives exactly the Blake3 package's hash of each page, whatever the number
/// of pages and their content. scripts/test.sh runs these tests again with AVX-512 and then AVX2
/// switched off, to cover the hasher's other paths; each test first checks that they really are off.
/// </summary>
public sealed class PageHasherTests
{
    public PageHasherTests()
    {
        if (Environment.GetEnvironmentVariable("PIECRUST_EXPECT_NO_AVX512") == "1") Assert.False(Avx512F.VL.IsSupported, "AVX-512 should be off in this run");
        if (Environment.GetEnvironmentVariable("PIECRUST_EXPECT_NO_AVX2") == "1") Assert.False(Vector256.IsHardwareAccelerated, "AVX2 should be off in this run");
    }

    private static byte[] Page(int seed)
    {
        var page = new byte[PageStore.PageSize];
        uint x = (uint)seed * 2_654_435_761u + 1;
        for (int i = 0; i < page.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            page[i] = (byte)x;
        }
        return page;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(100)]
    public void Each_key_is_the_blake3_hash_of_its_page(int count)
    {
        var pages = Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)Page(i)).ToArray();
        var keys = new Hash[count];
        PageHasher.Hash(pages, keys);
        for (int i = 0; i < count; i++) Assert.Equal(Hash.Of(pages[i].Span), keys[i]);
    }

    [Fact]
    public void A_page_hashed_alone_is_the_blake3_hash_of_its_page()
    {
        var zero = new byte[PageStore.PageSize];
        Assert.Equal(Hash.Of(zero), PageHasher.HashOne(zero));
        Assert.Equal(Hash.Of(zero), PageStore.ZeroPageKey);
        for (int seed = 0; seed < 20; seed++)
        {
            var page = Page(seed);
            Assert.Equal(Hash.Of(page), PageHasher.HashOne(page));
            Assert.Equal(Hash.Of(page), PageStore.PageKey(page));
            int bit = seed * 1637 % (PageStore.PageSize * 8); // a one-bit change anywhere
            page[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(Hash.Of(page), PageHasher.HashOne(page));
        }
        Assert.Throws<ArgumentException>(() => PageHasher.HashOne(new byte[PageStore.PageSize - 1]));
    }

    [Fact]
    public void Pages_differing_in_one_bit_anywhere_hash_apart_and_as_the_package_says()
    {
        var zero = new byte[PageStore.PageSize];
        var flipped = Enumerable.Range(0, 64).Select(k =>
        {
            var page = (byte[])zero.Clone();
            int bit = k * 521 % (PageStore.PageSize * 8); // every chunk and block position gets some
            page[bit / 8] ^= (byte)(1 << (bit % 8));
            return (ReadOnlyMemory<byte>)page;
        }).Prepend(zero).ToArray();
        var keys = new Hash[flipped.Length];
        PageHasher.Hash(flipped, keys);
        Assert.Equal(PageStore.ZeroPageKey, keys[0]);
        for (int i = 0; i < flipped.Length; i++) Assert.Equal(Hash.Of(flipped[i].Span), keys[i]);
        Assert.Equal(flipped.Length, keys.Distinct().Count());
    }

    [Fact]
    public void Staging_pages_together_stages_what_staging_them_one_by_one_does()
    {
        var pages = new ReadOnlyMemory<byte>[] { Page(1), new byte[PageStore.PageSize], Page(2), Page(1) };
        var together = new StagedObjects();
        var keys = new Hash[pages.Length];
        together.AddPages(pages, keys);
        var one = new StagedObjects();
        Assert.Equal(pages.Select(p => one.AddPage(p)), keys);
        Assert.Equal(one.Count, together.Count);
        Assert.Equal(2, together.Count); // the zero page is never staged, the repeated page once
        Assert.Throws<ArgumentException>(() => together.AddPages([new byte[100]], new Hash[1]));
    }
}
