namespace Piecrust.Tests.Engine;

/// <summary>Host queries registered by tests.</summary>
internal sealed class Blake3Query : IHostQuery
{
    public const ulong BasePrice = 1000;

    public ulong Price(ReadOnlySpan<byte> arg) => BasePrice + (ulong)arg.Length;

    public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
    {
        Hash.Of(arg).CopyTo(result);
        return Hash.Size;
    }
}

internal sealed class PricedQuery(ulong price) : IHostQuery
{
    public int Executions { get; private set; }

    public ulong Price(ReadOnlySpan<byte> arg) => price;

    public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
    {
        Executions++;
        return 0;
    }
}

/// <summary>Keccak-256 (the pre-standard SHA-3 padding Ethereum uses) of an rkyv <c>Vec&lt;u8&gt;</c> argument, as the uplink host_fn contract expects.</summary>
internal sealed class Keccak256Query : IHostQuery
{
    public ulong Price(ReadOnlySpan<byte> arg) => 100;

    public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
    {
        // rkyv 0.7 Vec<u8>: the bytes, then the root [i32 relative offset][u32 length] at the end.
        var root = arg[^8..];
        int offset = BitConverter.ToInt32(root);
        int length = BitConverter.ToInt32(root[4..]);
        int start = arg.Length - 8 + offset;
        Keccak.Hash256(arg.Slice(start, length), result);
        return 32;
    }
}

/// <summary>Keccak-f[1600] sponge with rate 136 and padding 0x01 (Keccak-256).</summary>
internal static class Keccak
{
    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
        0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
        0x000000000000800A, 0x800000008000000A, 0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ];

    private static readonly int[] Rotations = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
    private static readonly int[] Lanes = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

    public static void Hash256(ReadOnlySpan<byte> data, Span<byte> output)
    {
        const int rate = 136;
        var state = new ulong[25];
        var block = new byte[rate];
        int offset = 0;
        while (data.Length - offset >= rate)
        {
            Absorb(state, data.Slice(offset, rate));
            offset += rate;
        }
        var last = data[offset..];
        last.CopyTo(block);
        block[last.Length] ^= 0x01;
        block[rate - 1] ^= 0x80;
        Absorb(state, block);
        for (int i = 0; i < 4; i++) BitConverter.TryWriteBytes(output.Slice(i * 8, 8), state[i]);
    }

    private static void Absorb(ulong[] state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < block.Length / 8; i++) state[i] ^= BitConverter.ToUInt64(block.Slice(i * 8, 8));
        Permute(state);
    }

    private static void Permute(ulong[] a)
    {
        var c = new ulong[5];
        foreach (ulong rc in RoundConstants)
        {
            for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            for (int x = 0; x < 5; x++)
            {
                ulong d = c[(x + 4) % 5] ^ ulong.RotateLeft(c[(x + 1) % 5], 1);
                for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
            }
            ulong t = a[1];
            for (int i = 0; i < 24; i++)
            {
                int j = Lanes[i];
                (a[j], t) = (ulong.RotateLeft(t, Rotations[i]), a[j]);
            }
            for (int y = 0; y < 25; y += 5)
            {
                for (int x = 0; x < 5; x++) c[x] = a[y + x];
                for (int x = 0; x < 5; x++) a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
            }
            a[0] ^= rc;
        }
    }
}

/// <summary>A host query that throws, from <see cref="Price"/> or from <see cref="Execute"/>; counts how often each ran.</summary>
internal sealed class ThrowingQuery(bool inPrice) : IHostQuery
{
    public readonly InvalidOperationException Error = new("the query's own bug");

    public int Priced { get; private set; }
    public int Executions { get; private set; }

    public ulong Price(ReadOnlySpan<byte> arg)
    {
        Priced++;
        if (inPrice) throw Error;
        return 10;
    }

    public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
    {
        Executions++;
        if (!inPrice) throw Error;
        return 0;
    }
}
