using System.Collections.Immutable;
using System.Text;

namespace Piecrust.PropertyTests.Model;

/// <summary>
/// What the top of callcenter's shadow stack holds after a successful <c>delegate_query</c>: the
/// parsed request (callee id, the name buffer — overwritten only as far as each name reaches — and
/// the two lengths) in that function's 304-byte frame.
/// </summary>
internal sealed record CallcenterFrame(Blob Id, Blob Name, uint NameLength, uint ArgLength)
{
    public string Key => $"id={Id},name={Name},nl={NameLength},al={ArgLength}";
}

/// <summary>
/// One deployed contract as the model sees it: slot, owner, and a description of its memory exact
/// enough that two descriptions are equal exactly when the memories are byte-for-byte equal.
/// The memory is: the kind's state variables; the 64 KiB argument buffer A (every call's argument
/// and result land there, so it is state too); the top of the shadow stack, which keeps the locals
/// of the last frame that had any (crossover's 32-byte id buffer, callcenter's request, spender's
/// burn counters); and the length. Immutable.
/// </summary>
internal sealed record Contract(Slot Slot, byte[] Owner, Blob A)
{
    public const long InitialCounter = 0xfc;
    public const int InitialPages = 2;

    public long Counter { get; init; } = InitialCounter;

    /// <summary>box: the cell's value, null until the first <c>set</c> allocates it.</summary>
    public short? Box { get; init; }

    /// <summary>stack: whether the item pointer was set (first push), the count, and every slot ever written.</summary>
    public bool StackInit { get; init; }
    public int StackCount { get; init; }
    public ImmutableList<int> StackSlots { get; init; } = [];

    /// <summary>Memory size in 64 KiB pages (only growth changes it here).</summary>
    public int Pages { get; init; } = InitialPages;

    /// <summary>crossover: the value, and the slot whose id the last frame left in the 32-byte stack buffer.</summary>
    public int Cross { get; init; }
    public string? CrossFrame { get; init; }

    /// <summary>callcenter: the last <c>delegate_query</c> request left on the stack.</summary>
    public CallcenterFrame? Frame { get; init; }

    /// <summary>spender: the n of the last <c>burn</c> (both volatile counters end at n; 0 leaves zeros).</summary>
    public uint Burn { get; init; }

    /// <summary>
    /// Stored 4 KiB pages a crafted snapshot put past the memory's length, by index, each filled with
    /// one byte (legal: the ABI persists bytes past the length). As in piecrust 0.32 the contract reads
    /// them there, and a growth over one only moves the length: it shows the stored bytes (under the
    /// marker the growth contract writes at each new 64 KiB page's start). They stay here once inside.
    /// </summary>
    public ImmutableSortedDictionary<ulong, byte> PastLength { get; init; } = ImmutableSortedDictionary<ulong, byte>.Empty;

    /// <summary>This contract after its memory grew to <paramref name="pages"/> 64 KiB pages.</summary>
    public Contract GrownTo(int pages) => this with { Pages = pages };

    /// <summary>What stored page <paramref name="index"/> holds: its fill byte, under the growth marker when a growth began a 64 KiB page there.</summary>
    public byte[] StoredPage(ulong index)
    {
        var page = new byte[4096];
        Array.Fill(page, PastLength[index]);
        if (Slot.Kind == Kind.Growth && index % 16 == 0 && index / 16 >= (ulong)InitialPages && index / 16 < (ulong)Pages)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(page, Semantics.Marker((int)(index / 16)));
        return page;
    }

    public static Contract Deployed(Slot slot, byte[] owner) => new(slot, owner, Blob.Empty);

    public ulong MemoryLength => (ulong)Pages * 65536;

    /// <summary>True when the shadow stack region holds something (it is all zeros otherwise).</summary>
    public bool StackRegionDirty => Slot.Kind switch
    {
        Kind.Crossover => CrossFrame is not null,
        Kind.Callcenter => Frame is not null,
        Kind.Spender => Burn != 0,
        _ => false,
    };

    /// <summary>The canonical description: equal keys ⇔ equal contract state (id, code, owner, memory).</summary>
    public string Key
    {
        get
        {
            var key = new StringBuilder().Append(Slot.Name).Append("{o=").Append(Convert.ToHexStringLower(Owner)).Append(",A=").Append(A);
            switch (Slot.Kind)
            {
                case Kind.Counter: key.Append(",v=").Append(Counter); break;
                case Kind.Box: key.Append(",box=").Append(Box?.ToString() ?? "none"); break;
                case Kind.Stack:
                    key.Append(",init=").Append(StackInit).Append(",n=").Append(StackCount).Append(",slots=[")
                       .Append(string.Join(' ', CanonicalSlots())).Append(']');
                    break;
                case Kind.Growth: key.Append(",pages=").Append(Pages); break;
                case Kind.Crossover: key.Append(",v=").Append(Cross).Append(",frame=").Append(CrossFrame ?? "-"); break;
                case Kind.Callcenter: key.Append(",frame=").Append(Frame?.Key ?? "-"); break;
                case Kind.Spender: key.Append(",burn=").Append(Burn); break;
            }
            if (!PastLength.IsEmpty) key.Append(",past=[").Append(string.Join(' ', PastLength.Select(p => $"{p.Key}:{p.Value:x2}"))).Append(']');
            return key.Append('}').ToString();
        }
    }

    /// <summary>Stack slots below the count, then stale ones without trailing zeros (a zero written over zero memory changes nothing).</summary>
    private IEnumerable<int> CanonicalSlots()
    {
        int end = StackSlots.Count;
        while (end > StackCount && StackSlots[end - 1] == 0) end--;
        return StackSlots.Take(end);
    }

    public override string ToString() => Key;
}
