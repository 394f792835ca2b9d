using System.Diagnostics.CodeAnalysis;

namespace Piecrust;

/// <summary>The 32-byte identity of a deployed contract; its key in the contract tree.</summary>
public readonly struct ContractId : IEquatable<ContractId>, IComparable<ContractId>
{
    private readonly Hash _bytes;

    /// <summary>Wraps 32 bytes as a contract id.</summary>
    public ContractId(Hash bytes) => _bytes = bytes;

    /// <summary>Length of an id in bytes.</summary>
    public const int Size = Hash.Size;

    /// <summary>The id as a hash value (same 32 bytes).</summary>
    public Hash AsHash => _bytes;

    /// <summary>Reads an id from exactly 32 bytes.</summary>
    public static ContractId FromBytes(ReadOnlySpan<byte> bytes) => new(Hash.FromBytes(bytes));

    /// <summary>Writes the 32 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => _bytes.CopyTo(destination);

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>Bit <paramref name="index"/> of the id (0 = most significant bit of byte 0): the contract tree's path.</summary>
    public bool Bit(int index) => _bytes.Bit(index);

    /// <summary>Parses 64 hex digits.</summary>
    /// <exception cref="FormatException">The text is not 64 hex digits.</exception>
    public static ContractId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a contract id (64 hex digits).");

    /// <summary>Parses 64 hex digits.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ContractId id)
    {
        bool ok = Hash.TryParse(text, out var hash);
        id = new ContractId(hash);
        return ok;
    }

    /// <inheritdoc/>
    public override string ToString() => _bytes.ToString();

    /// <inheritdoc/>
    public bool Equals(ContractId other) => _bytes == other._bytes;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ContractId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _bytes.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(ContractId other) => _bytes.CompareTo(other._bytes);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(ContractId left, ContractId right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(ContractId left, ContractId right) => !left.Equals(right);
}
