using System.Buffers.Binary;

namespace Piecrust.Execution;

/// <summary>
/// The contracts a VM's sessions ran most recently (those that had an instance when their session
/// ended), at most <see cref="Capacity"/>: what a VM remembers when it closes, so the next open can
/// warm them up (<see cref="VMOptions.WarmUpOnOpen"/>). Thread-safe.
/// </summary>
internal sealed class RecentContracts
{
    /// <summary>Contracts remembered: as many as one warm-up takes.</summary>
    public const int Capacity = VM.MaxWarmUpContracts;

    private const byte FormatVersion = 1;

    private readonly object _lock = new();
    private readonly Dictionary<ContractId, long> _lastUse = new(); // at most 2 × Capacity entries
    private long _clock;

    /// <summary>Records that a session ran <paramref name="id"/> (later calls count as more recent).</summary>
    public void Touch(ContractId id)
    {
        lock (_lock)
        {
            _lastUse[id] = ++_clock;
            if (_lastUse.Count > 2 * Capacity) KeepNewest(Capacity);
        }
    }

    /// <summary>The remembered contracts, most recent first (at most <see cref="Capacity"/>).</summary>
    public IReadOnlyList<ContractId> MostRecentFirst()
    {
        lock (_lock)
            return [.. _lastUse.OrderByDescending(e => e.Value).Take(Capacity).Select(e => e.Key)];
    }

    /// <summary>Seeds the list from what an earlier VM remembered (most recent first), before any session runs.</summary>
    public void Seed(IReadOnlyList<ContractId> mostRecentFirst)
    {
        lock (_lock)
            for (int i = mostRecentFirst.Count - 1; i >= 0; i--)
                _lastUse[mostRecentFirst[i]] = ++_clock;
    }

    /// <summary>The stored form: a version byte, a count (u16 LE) and the ids, most recent first.</summary>
    public static byte[] Encode(IReadOnlyList<ContractId> mostRecentFirst)
    {
        var bytes = new byte[3 + mostRecentFirst.Count * ContractId.Size];
        bytes[0] = FormatVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), (ushort)mostRecentFirst.Count);
        for (int i = 0; i < mostRecentFirst.Count; i++) mostRecentFirst[i].CopyTo(bytes.AsSpan(3 + i * ContractId.Size));
        return bytes;
    }

    /// <summary>The ids of <see cref="Encode"/>'s form, or null when the bytes are not that form (of this version).</summary>
    public static IReadOnlyList<ContractId>? TryDecode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 3 || bytes[0] != FormatVersion) return null;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[1..]);
        if (count > Capacity || bytes.Length != 3 + count * ContractId.Size) return null;
        var ids = new ContractId[count];
        for (int i = 0; i < count; i++) ids[i] = ContractId.FromBytes(bytes.Slice(3 + i * ContractId.Size, ContractId.Size));
        return ids;
    }

    private void KeepNewest(int count)
    {
        foreach (var old in _lastUse.OrderByDescending(e => e.Value).Skip(count).Select(e => e.Key).ToArray())
            _lastUse.Remove(old);
    }
}
