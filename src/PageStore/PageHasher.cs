using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Piecrust.Storage;

/// <summary>
/// BLAKE3 of many pages at once, equal to <see cref="Hash.Of"/> of each. The Blake3 package hashes
/// one input at a time and spreads its SIMD lanes over that input's 1 KiB chunks: a page has four,
/// so it takes ~7.3 µs, where a 64 KiB input takes ~0.6 µs per 4 KiB. A commit hashes every page it
/// changed (thousands per block), so here the lanes are the chunks of two pages at a time, and then
/// the pages' parent nodes eight at a time: the same compression function (BLAKE3 paper, §2.2), the
/// same tree (a 4 KiB input: four chunks, two parents, one root), different scheduling.
/// </summary>
internal static class PageHasher
{
    private const int ChunkBytes = 1024, BlockBytes = 64, ChunksPerPage = PageStore.PageSize / ChunkBytes;
    private const int BlocksPerChunk = ChunkBytes / BlockBytes, Lanes = 8, PagesPerGroup = Lanes / ChunksPerPage;
    private const uint ChunkStart = 1, ChunkEnd = 2, Parent = 4, Root = 8;

    private const uint IV0 = 0x6A09E667, IV1 = 0xBB67AE85, IV2 = 0x3C6EF372, IV3 = 0xA54FF53A;
    private static readonly uint[] IV = [IV0, IV1, IV2, IV3, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    /// <summary>Writes the key of <paramref name="pages"/>[i] (each <see cref="PageStore.PageSize"/> bytes) to <paramref name="keys"/>[i].</summary>
    public static void Hash(IReadOnlyList<ReadOnlyMemory<byte>> pages, Span<Hash> keys)
    {
        if (keys.Length < pages.Count) throw new ArgumentException("One key per page.", nameof(keys));
        for (int i = 0; i < pages.Count; i++)
            if (pages[i].Length != PageStore.PageSize) throw new ArgumentException($"A page is {PageStore.PageSize} bytes, got {pages[i].Length}.", nameof(pages));
        if (!Vector256.IsHardwareAccelerated)
        {
            // Emulated 256-bit vectors (no AVX2) would be slower than the package: hash one by one.
            for (int i = 0; i < pages.Count; i++) keys[i] = Piecrust.Hash.Of(pages[i].Span);
            return;
        }
        // Chunk chaining values, then the two parents of each page: 8 words each, lane after lane.
        var chunks = new uint[pages.Count * ChunksPerPage * 8];
        for (int first = 0; first < pages.Count; first += PagesPerGroup)
        {
            var page0 = MemoryMarshal.Cast<byte, uint>(pages[first].Span);
            bool pair = first + 1 < pages.Count;
            var page1 = pair ? MemoryMarshal.Cast<byte, uint>(pages[first + 1].Span) : page0; // a lone page fills the other lanes with itself, ignored
            HashChunks(page0, page1, pair ? 2 : 1, chunks.AsSpan(first * ChunksPerPage * 8));
        }
        var parents = new uint[pages.Count * 2 * 8];
        CompressParents(chunks, pages.Count * 2, Parent, parents);
        var roots = new uint[pages.Count * 8];
        CompressParents(parents, pages.Count, Parent | Root, roots);
        for (int p = 0; p < pages.Count; p++) keys[p] = KeyOf(roots.AsSpan(8 * p, 8));
    }

    /// <summary>
    /// The key of one page (<see cref="PageStore.PageSize"/> bytes), allocating nothing: half the
    /// lanes idle, still ~3.7 µs against ~8 µs for the package (PageHashBench), so every page read
    /// and verified on its own is cheaper too.
    /// </summary>
    public static Hash HashOne(ReadOnlySpan<byte> page)
    {
        if (page.Length != PageStore.PageSize) throw new ArgumentException($"A page is {PageStore.PageSize} bytes, got {page.Length}.", nameof(page));
        if (!Vector256.IsHardwareAccelerated) return Piecrust.Hash.Of(page);
        var words = MemoryMarshal.Cast<byte, uint>(page);
        Span<uint> chunks = stackalloc uint[ChunksPerPage * 8];
        HashChunks(words, words, 1, chunks);
        Span<uint> parents = stackalloc uint[2 * 8];
        CompressParents(chunks, 2, Parent, parents);
        Span<uint> root = stackalloc uint[8];
        CompressParents(parents, 1, Parent | Root, root);
        return KeyOf(root);
    }

    private static Hash KeyOf(ReadOnlySpan<uint> root)
    {
        Span<byte> bytes = stackalloc byte[Piecrust.Hash.Size];
        for (int w = 0; w < 8; w++) BinaryPrimitives.WriteUInt32LittleEndian(bytes[(4 * w)..], root[w]);
        return Piecrust.Hash.FromBytes(bytes);
    }

    // The chaining values of the chunks of two pages (lane l is chunk l % 4 of page l / 4); those of the
    // first `count` pages go to chunks, 8 words a chunk, lane after lane.
    private static void HashChunks(ReadOnlySpan<uint> page0, ReadOnlySpan<uint> page1, int count, Span<uint> chunks)
    {
        var counter = Vector256.Create(0u, 1, 2, 3, 0, 1, 2, 3); // a chunk's index in its page
        Span<Vector256<uint>> cv = stackalloc Vector256<uint>[8];
        for (int w = 0; w < 8; w++) cv[w] = Vector256.Create(IV[w]);
        Span<Vector256<uint>> m = stackalloc Vector256<uint>[16];
        for (int block = 0; block < BlocksPerChunk; block++)
        {
            for (int w = 0; w < 16; w++)
            {
                int o = block * 16 + w; // the word's index in the first chunk; a chunk is 256 words
                m[w] = Vector256.Create(
                    Word(page0, o), Word(page0, 256 + o), Word(page0, 512 + o), Word(page0, 768 + o),
                    Word(page1, o), Word(page1, 256 + o), Word(page1, 512 + o), Word(page1, 768 + o));
            }
            uint flags = (block == 0 ? ChunkStart : 0) | (block == BlocksPerChunk - 1 ? ChunkEnd : 0);
            Compress(cv, m, counter, flags);
        }
        for (int lane = 0; lane < count * ChunksPerPage; lane++)
            for (int w = 0; w < 8; w++) chunks[lane * 8 + w] = cv[w].GetElement(lane);
    }

    // Parent nodes over pairs of chaining values: output i from children 2i and 2i + 1, eight at a time.
    private static void CompressParents(ReadOnlySpan<uint> children, int count, uint flags, Span<uint> output)
    {
        Span<Vector256<uint>> cv = stackalloc Vector256<uint>[8];
        Span<Vector256<uint>> m = stackalloc Vector256<uint>[16];
        Span<uint> lane = stackalloc uint[Lanes];
        for (int first = 0; first < count; first += Lanes)
        {
            int lanes = Math.Min(Lanes, count - first);
            for (int w = 0; w < 16; w++)
            {
                for (int l = 0; l < Lanes; l++) lane[l] = l < lanes ? children[(first + l) * 16 + w] : 0;
                m[w] = Vector256.Create<uint>(lane);
            }
            for (int w = 0; w < 8; w++) cv[w] = Vector256.Create(IV[w]);
            Compress(cv, m, Vector256<uint>.Zero, flags);
            for (int l = 0; l < lanes; l++)
                for (int w = 0; w < 8; w++) output[(first + l) * 8 + w] = cv[w].GetElement(l);
        }
    }

    // BLAKE3's compression of one 64-byte block per lane, keeping the first 8 output words (the chaining
    // value). The seven rounds are written out, each reading the message words in the order the
    // permutation gives it (round r + 1 reads round r's words as permuted): no indexing in the loop.
    private static void Compress(Span<Vector256<uint>> cv, ReadOnlySpan<Vector256<uint>> m, Vector256<uint> counter, uint flags)
    {
        Vector256<uint> m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
        Vector256<uint> m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
        Vector256<uint> v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
        Vector256<uint> v8 = Vector256.Create(IV0), v9 = Vector256.Create(IV1), v10 = Vector256.Create(IV2), v11 = Vector256.Create(IV3);
        Vector256<uint> v12 = counter, v13 = Vector256<uint>.Zero, v14 = Vector256.Create((uint)BlockBytes), v15 = Vector256.Create(flags);
        // round 1
        G(ref v0, ref v4, ref v8, ref v12, m0, m1);
        G(ref v1, ref v5, ref v9, ref v13, m2, m3);
        G(ref v2, ref v6, ref v10, ref v14, m4, m5);
        G(ref v3, ref v7, ref v11, ref v15, m6, m7);
        G(ref v0, ref v5, ref v10, ref v15, m8, m9);
        G(ref v1, ref v6, ref v11, ref v12, m10, m11);
        G(ref v2, ref v7, ref v8, ref v13, m12, m13);
        G(ref v3, ref v4, ref v9, ref v14, m14, m15);
        // round 2
        G(ref v0, ref v4, ref v8, ref v12, m2, m6);
        G(ref v1, ref v5, ref v9, ref v13, m3, m10);
        G(ref v2, ref v6, ref v10, ref v14, m7, m0);
        G(ref v3, ref v7, ref v11, ref v15, m4, m13);
        G(ref v0, ref v5, ref v10, ref v15, m1, m11);
        G(ref v1, ref v6, ref v11, ref v12, m12, m5);
        G(ref v2, ref v7, ref v8, ref v13, m9, m14);
        G(ref v3, ref v4, ref v9, ref v14, m15, m8);
        // round 3
        G(ref v0, ref v4, ref v8, ref v12, m3, m4);
        G(ref v1, ref v5, ref v9, ref v13, m10, m12);
        G(ref v2, ref v6, ref v10, ref v14, m13, m2);
        G(ref v3, ref v7, ref v11, ref v15, m7, m14);
        G(ref v0, ref v5, ref v10, ref v15, m6, m5);
        G(ref v1, ref v6, ref v11, ref v12, m9, m0);
        G(ref v2, ref v7, ref v8, ref v13, m11, m15);
        G(ref v3, ref v4, ref v9, ref v14, m8, m1);
        // round 4
        G(ref v0, ref v4, ref v8, ref v12, m10, m7);
        G(ref v1, ref v5, ref v9, ref v13, m12, m9);
        G(ref v2, ref v6, ref v10, ref v14, m14, m3);
        G(ref v3, ref v7, ref v11, ref v15, m13, m15);
        G(ref v0, ref v5, ref v10, ref v15, m4, m0);
        G(ref v1, ref v6, ref v11, ref v12, m11, m2);
        G(ref v2, ref v7, ref v8, ref v13, m5, m8);
        G(ref v3, ref v4, ref v9, ref v14, m1, m6);
        // round 5
        G(ref v0, ref v4, ref v8, ref v12, m12, m13);
        G(ref v1, ref v5, ref v9, ref v13, m9, m11);
        G(ref v2, ref v6, ref v10, ref v14, m15, m10);
        G(ref v3, ref v7, ref v11, ref v15, m14, m8);
        G(ref v0, ref v5, ref v10, ref v15, m7, m2);
        G(ref v1, ref v6, ref v11, ref v12, m5, m3);
        G(ref v2, ref v7, ref v8, ref v13, m0, m1);
        G(ref v3, ref v4, ref v9, ref v14, m6, m4);
        // round 6
        G(ref v0, ref v4, ref v8, ref v12, m9, m14);
        G(ref v1, ref v5, ref v9, ref v13, m11, m5);
        G(ref v2, ref v6, ref v10, ref v14, m8, m12);
        G(ref v3, ref v7, ref v11, ref v15, m15, m1);
        G(ref v0, ref v5, ref v10, ref v15, m13, m3);
        G(ref v1, ref v6, ref v11, ref v12, m0, m10);
        G(ref v2, ref v7, ref v8, ref v13, m2, m6);
        G(ref v3, ref v4, ref v9, ref v14, m4, m7);
        // round 7
        G(ref v0, ref v4, ref v8, ref v12, m11, m15);
        G(ref v1, ref v5, ref v9, ref v13, m5, m0);
        G(ref v2, ref v6, ref v10, ref v14, m1, m9);
        G(ref v3, ref v7, ref v11, ref v15, m8, m6);
        G(ref v0, ref v5, ref v10, ref v15, m14, m10);
        G(ref v1, ref v6, ref v11, ref v12, m2, m12);
        G(ref v2, ref v7, ref v8, ref v13, m3, m4);
        G(ref v3, ref v4, ref v9, ref v14, m7, m13);
        cv[0] = v0 ^ v8;
        cv[1] = v1 ^ v9;
        cv[2] = v2 ^ v10;
        cv[3] = v3 ^ v11;
        cv[4] = v4 ^ v12;
        cv[5] = v5 ^ v13;
        cv[6] = v6 ^ v14;
        cv[7] = v7 ^ v15;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d, Vector256<uint> x, Vector256<uint> y)
    {
        a += b + x;
        d = RotateRight(d ^ a, 16);
        c += d;
        b = RotateRight(b ^ c, 12);
        a += b + y;
        d = RotateRight(d ^ a, 8);
        c += d;
        b = RotateRight(b ^ c, 7);
    }

    // One instruction where AVX-512 has it (vprold), two shifts and an or elsewhere.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateRight(Vector256<uint> x, [ConstantExpected] byte bits) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, bits) : Vector256.ShiftRightLogical(x, bits) | Vector256.ShiftLeft(x, 32 - bits);

    // BLAKE3's words are little-endian (the test is a constant: the other branch is compiled away).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(ReadOnlySpan<uint> page, int index) => BitConverter.IsLittleEndian ? page[index] : BinaryPrimitives.ReverseEndianness(page[index]);
}
