using FsCheck;
using FsCheck.Fluent;

namespace Piecrust.PropertyTests.Support;

/// <summary>
/// A contract id made adversarial on purpose: one of a few base ids with some bits flipped, so
/// that ids sharing all but the last bit, the last byte or a long random prefix are common.
/// Base 0 is all zeros, base 1 all ones, the others are hashes. Prints as <c>b2^255^17</c>.
/// </summary>
public sealed record IdSpec(int Base, int[] Flips)
{
    /// <summary>Number of distinct bases.</summary>
    public const int Bases = 5;

    /// <summary>The id: the base with every listed bit flipped (bit 0 = most significant bit of byte 0).</summary>
    public ContractId Id
    {
        get
        {
            var bytes = BaseBytes(Base);
            foreach (int bit in Flips) bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            return ContractId.FromBytes(bytes);
        }
    }

    private static byte[] BaseBytes(int b) => b switch
    {
        0 => new byte[ContractId.Size],
        1 => Enumerable.Repeat((byte)0xFF, ContractId.Size).ToArray(),
        _ => Hash.Of([(byte)b, 0x1D]).ToArray(),
    };

    /// <summary>A readable name of any id: as a base with at most four bits flipped when it is one (<c>b2^255</c>), else its hex.</summary>
    public static string Describe(ContractId id)
    {
        var bytes = id.ToArray();
        for (int b = 0; b < Bases; b++)
        {
            var baseBytes = BaseBytes(b);
            var flips = Enumerable.Range(0, ContractId.Size * 8)
                .Where(bit => ((bytes[bit / 8] ^ baseBytes[bit / 8]) & (0x80 >> (bit % 8))) != 0).Take(5).ToArray();
            if (flips.Length <= 4) return new IdSpec(b, flips).ToString();
        }
        return id.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"b{Base}" + string.Concat(Flips.Select(f => $"^{f}"));

    /// <inheritdoc/>
    public bool Equals(IdSpec? other) => other is not null && Base == other.Base && Flips.SequenceEqual(other.Flips);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Base, Flips.Length);

    /// <summary>Bits to flip: mostly in the last byte, often the very last bit, sometimes anywhere.</summary>
    public static readonly Gen<int> FlipBit = Gen.Frequency(
        (3, Gen.Constant(255)),
        (3, Gen.Choose(248, 255)),
        (1, Gen.Choose(0, 7)),
        (2, Gen.Choose(0, 255)));

    /// <summary>Ids from a few bases with 0–3 flipped bits (distinct, sorted flips, so equal specs mean equal ids).</summary>
    public static readonly Gen<IdSpec> Generator =
        from b in Gen.Choose(0, Bases - 1)
        from n in Gen.Frequency((2, Gen.Constant(0)), (4, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from flips in FlipBit.ArrayOf(n)
        select new IdSpec(b, flips.Distinct().Order().ToArray());

    /// <summary>Simpler ids: fewer flipped bits, then a lower base.</summary>
    public static IEnumerable<IdSpec> Simpler(IdSpec spec)
    {
        for (int i = 0; i < spec.Flips.Length; i++)
            yield return spec with { Flips = spec.Flips.Where((_, j) => j != i).ToArray() };
        if (spec.Base > 0) yield return spec with { Base = 0 };
    }
}
