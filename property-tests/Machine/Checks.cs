using System.Buffers.Binary;
using Piecrust.PropertyTests.Model;

namespace Piecrust.PropertyTests.Machine;

/// <summary>What the real VM must agree with the model on, collected as readable error lines.</summary>
internal static class Checks
{
    private const int PageSize = 4096;
    private const int ShadowStack = 32768;

    /// <summary>vm.Commits (set, and creation order up to the race inside a parallel batch), parents, and the finalized commit.</summary>
    public static void Commits(VmUnderTest a, VmModel m, List<string> errors)
    {
        var log = a.Vm.CommitLog;
        if (!a.Vm.Commits.SequenceEqual(log.Select(c => c.Root))) errors.Add("vm.Commits and vm.CommitLog disagree");
        var expected = m.Live.ToList();
        var actual = new List<string>();
        foreach (var commit in log)
        {
            if (a.KeyOf(commit.Root) is not { } key)
            {
                errors.Add($"vm.Commits holds {VmUnderTest.Short(commit.Root)}, the root of no state this sequence made");
                return;
            }
            actual.Add(key);
        }
        if (actual.Count != expected.Count || !actual.ToHashSet().SetEquals(expected.Select(r => r.Key)))
        {
            errors.Add($"vm.Commits = [{string.Join(" ", actual.Select(m.NameOf))}], the model has [{string.Join(" ", expected.Select(r => m.NameOf(r.Key)))}]");
            return;
        }
        for (int i = 1; i < actual.Count; i++)
            if (m.Records[actual[i]].Batch < m.Records[actual[i - 1]].Batch)
                errors.Add($"vm.Commits order: {m.NameOf(actual[i - 1])} before {m.NameOf(actual[i])}, the model made them the other way round");
        foreach (var commit in log)
        {
            var key = a.KeyOf(commit.Root)!;
            string? parent = commit.Parent is { } p ? a.KeyOf(p) ?? "<unknown root " + VmUnderTest.Short(p) + ">" : null;
            if (parent != m.Records[key].Parent)
                errors.Add($"parent of {m.NameOf(key)} is {m.NameOf(parent)}, the model says {m.NameOf(m.Records[key].Parent)}");
        }
        string? finalized = a.Vm.FinalizedCommit is { } f ? a.KeyOf(f) ?? "<unknown root>" : null;
        if (finalized != m.Finalized)
            errors.Add($"vm.FinalizedCommit is {m.NameOf(finalized)}, the model says {m.NameOf(m.Finalized)}");
    }

    /// <summary>An open session: root (one-to-one with states), base, and every contract's memory as far as the model knows it.</summary>
    public static void OpenSession(VmUnderTest a, VmModel m, int sid, List<string> errors)
    {
        var session = a.Sessions[sid];
        var model = m.Sessions[sid];
        string where = $"s{sid}";
        a.Register(model.World.Key, session.Root, errors, where + ".Root");
        Hash? expectedBase = model.Base is { } b ? a.RootOf(b) : null;
        if (session.Base != expectedBase) errors.Add($"{where}.Base is {session.Base}, the model says {m.NameOf(model.Base)}");
        foreach (var slot in m.Slots.Append(Slot.Ghost))
        {
            var id = Slot.IdOf(slot);
            if (model.World.Has(slot))
            {
                var contract = model.World[slot];
                Image(contract, session.MemoryLength(id), page => session.ReadPage(id, page), errors, where);
            }
            else
            {
                try
                {
                    session.MemoryLength(id);
                    errors.Add($"{where}: {slot} has a memory, the model has no such contract");
                }
                catch (ContractNotFoundException) { }
            }
        }
    }

    /// <summary>
    /// Reads a contract's whole memory page by page and checks what the model knows of its bytes:
    /// the length, the argument buffer A exactly, whether the shadow stack holds anything, growth's
    /// page markers. Returns the digest of the memory.
    /// </summary>
    public static Hash Image(Contract c, ulong length, Func<ulong, byte[]> readPage, List<string> errors, string where)
    {
        if (length != c.MemoryLength)
        {
            errors.Add($"{where}: {c.Slot}'s memory is {length} bytes, the model says {c.MemoryLength}");
            return default;
        }
        var image = new byte[length];
        for (ulong page = 0; page < length / PageSize; page++)
        {
            var bytes = readPage(page);
            if (bytes.Length != PageSize) errors.Add($"{where}: page {page} of {c.Slot} has {bytes.Length} bytes");
            bytes.CopyTo(image, (int)(page * PageSize));
        }
        bool dirty = image.AsSpan(0, ShadowStack).IndexOfAnyExcept((byte)0) >= 0;
        if (dirty != c.StackRegionDirty)
            errors.Add($"{where}: {c.Slot}'s shadow stack is {(dirty ? "written" : "all zeros")}, the model says {(c.StackRegionDirty ? "written" : "all zeros")}");
        int at = (int)ContractFiles.ArgumentBuffer(c.Slot.File);
        var buffer = image.AsSpan(at, Piecrust.Session.MaxArgumentSize);
        if (!buffer.SequenceEqual(c.A.Read(0, Piecrust.Session.MaxArgumentSize)))
            errors.Add($"{where}: {c.Slot}'s argument buffer holds {Blob.Of(buffer)}, the model says {c.A}");
        if (c.Slot.Kind == Kind.Growth)
            for (int page = Contract.InitialPages; page < c.Pages; page++)
            {
                ulong marker = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(page * 65536));
                if (marker != Semantics.Marker(page)) errors.Add($"{where}: {c.Slot}'s marker of page {page} is {marker:x16}");
            }
        // Stored pages read as stored, past the length or grown over; the first page past it (unless stored) as zeros.
        foreach (var index in c.PastLength.Keys)
            if (readPage(index) is var past && !past.AsSpan().SequenceEqual(c.StoredPage(index)))
                errors.Add($"{where}: {c.Slot}'s stored page {index} reads {Head(past)}, the model says {Head(c.StoredPage(index))}");
        ulong next = length / PageSize;
        if (!c.PastLength.ContainsKey(next) && readPage(next).AsSpan().IndexOfAnyExcept((byte)0) >= 0)
            errors.Add($"{where}: {c.Slot}'s page {next} past the length is not all zeros");
        return Hash.Of(image);
    }

    /// <summary>
    /// A state seen as a commit for the first time: its leaves (ids, bytecode, owner, length,
    /// width), its memories through a fresh session and through <see cref="VM.ReadPage"/>, and the
    /// contracts' own read functions (in that throwaway session: reads write A). Remembers the digests.
    /// </summary>
    public static void Committed(VmUnderTest a, VmModel m, string key, List<string> errors)
    {
        var root = a.RootOf(key);
        if (a.IsVerified(root)) return;
        var world = m.States[key];
        string where = "commit " + m.NameOf(key);
        var leaves = a.Vm.Contracts(root);
        var ids = leaves.Select(l => l.Id).ToHashSet();
        if (!ids.SetEquals(world.Contracts.Values.Select(c => c.Slot.Id)))
            errors.Add($"{where}: holds [{string.Join(",", leaves.Select(l => Slot.NameOf(l.Id) ?? l.Id.ToString()))}], the model [{string.Join(",", world.Contracts.Keys)}]");
        foreach (var leaf in leaves)
        {
            if (world.ById(leaf.Id) is not { } c) continue;
            if (!leaf.Owner.Span.SequenceEqual(c.Owner)) errors.Add($"{where}: {c.Slot}'s owner is {Convert.ToHexStringLower(leaf.Owner.Span)}");
            if (leaf.Bytecode != Hash.Of(ContractFiles.Bytes(c.Slot.File))) errors.Add($"{where}: {c.Slot}'s bytecode is {leaf.Bytecode}");
            if (leaf.MemoryLength != c.MemoryLength) errors.Add($"{where}: {c.Slot}'s leaf says {leaf.MemoryLength} bytes");
            if (leaf.Is64 != c.Slot.Is64) errors.Add($"{where}: {c.Slot}'s leaf says 64-bit = {leaf.Is64}");
        }

        using var session = a.Vm.Session(new SessionData { Base = root });
        var digests = new Dictionary<ContractId, Hash>();
        foreach (var c in world.Contracts.Values)
        {
            var id = c.Slot.Id;
            digests[id] = Image(c, session.MemoryLength(id), page => session.ReadPage(id, page), errors, where);
            ulong bufferPage = ContractFiles.ArgumentBuffer(c.Slot.File) / PageSize;
            foreach (ulong page in new[] { 0UL, bufferPage })
                if (!a.Vm.ReadPage(root, id, page).AsSpan().SequenceEqual(session.ReadPage(id, page)))
                    errors.Add($"{where}: VM.ReadPage and Session.ReadPage disagree on page {page} of {c.Slot}");
        }
        foreach (var c in world.Contracts.Values)
            foreach (var (function, arg, expected) in Reads(c))
            {
                var data = session.Call(c.Slot.Id, function, arg, CallSpec.DefaultGas).Data;
                if (!data.AsSpan().SequenceEqual(expected))
                    errors.Add($"{where}: {c.Slot}.{function}({Convert.ToHexStringLower(arg)}) = {Convert.ToHexStringLower(data)}, the model says {Convert.ToHexStringLower(expected)}");
            }
        foreach (var c in world.Contracts.Values) GrowOverStoredPages(a, world, root, c, errors, where);
        a.SetDigests(root, digests);
    }

    private static string Head(byte[] page) => Convert.ToHexStringLower(page.AsSpan(0, Math.Min(16, page.Length))) + "…";

    /// <summary>
    /// Only crafted states store pages past a memory's length. For a growth contract, a throwaway
    /// session grows the memory over the first such pages: they must read as stored (under the marker
    /// the contract writes at each 64 KiB page), whichever memory path runs, and the state's root must
    /// be one-to-one with the model's state as ever.
    /// </summary>
    private static void GrowOverStoredPages(VmUnderTest a, World world, Hash root, Contract c, List<string> errors, string where)
    {
        var past = c.PastLength.Keys.Where(index => index >= (ulong)c.Pages * 16).ToList();
        if (c.Slot.Kind != Kind.Growth || past.Count == 0) return;
        ulong pages = past[0] / 16 + 1 - (ulong)c.Pages;
        if (pages > 4) return;
        var call = new CallSpec(c.Slot.Name, "grow_by", Semantics.Le32((uint)pages), CallSpec.DefaultGas, $"{c.Slot}.grow_by({pages})");
        var (grown, expected) = Semantics.TopLevel(world, call);
        using var trial = a.Vm.Session(new SessionData { Base = root });
        var data = trial.Call(c.Slot.Id, call.Function, call.Arg, call.Gas).Data;
        if (!expected.Same(Outcome.Ok(data))) errors.Add($"{where}, {call}: got ok {Convert.ToHexStringLower(data)}, the model says {expected}");
        a.Register(grown.Key, trial.Root, errors, $"{where}, {call}");
        var after = grown[c.Slot.Name];
        foreach (ulong index in past.Where(index => index < (ulong)after.Pages * 16))
        {
            var page = trial.ReadPage(c.Slot.Id, index);
            if (!page.AsSpan().SequenceEqual(after.StoredPage(index)))
                errors.Add($"{where}, after {call}: page {index} (stored past the old length) reads {Head(page)}, the model says {Head(after.StoredPage(index))}");
        }
        Image(after, trial.MemoryLength(c.Slot.Id), page => trial.ReadPage(c.Slot.Id, page), errors, $"{where}, after {call}");
    }

    /// <summary>The contract's own view of its state, as calls and expected results (in call order).</summary>
    private static IEnumerable<(string Function, byte[] Arg, byte[] Expected)> Reads(Contract c)
    {
        switch (c.Slot.Kind)
        {
            case Kind.Counter:
                yield return ("read_value", [], Semantics.Le64(c.Counter));
                break;
            case Kind.Box:
                yield return ("get", [], c.Box is { } v ? Semantics.Le16(v) : []);
                break;
            case Kind.Stack:
                yield return ("len", [], Semantics.Le32((uint)c.StackCount));
                for (int i = c.StackCount - 1; i >= Math.Max(0, c.StackCount - 3); i--)
                    yield return ("pop", [], Semantics.Le32((uint)c.StackSlots[i]));
                break;
            case Kind.Growth:
                yield return ("len", [], Semantics.Le64(c.MemoryLength));
                break;
            case Kind.Crossover:
                yield return ("crossover", [], Semantics.Le32((uint)c.Cross));
                break;
        }
    }

    /// <summary>
    /// After anything that may reclaim storage: every live commit still loads, page for page as
    /// first verified, and every open session still loads and matches the model.
    /// </summary>
    public static void Reachable(VmUnderTest a, VmModel m, List<string> errors)
    {
        foreach (var record in m.Live)
        {
            var root = a.RootOf(record.Key);
            if (a.Digests(root) is not { } digests)
            {
                Committed(a, m, record.Key, errors);
                continue;
            }
            var world = m.States[record.Key];
            string where = "commit " + m.NameOf(record.Key);
            using var session = a.Vm.Session(new SessionData { Base = root });
            foreach (var c in world.Contracts.Values)
            {
                var id = c.Slot.Id;
                var digest = Image(c, session.MemoryLength(id), page => session.ReadPage(id, page), errors, where);
                if (digest != digests[id]) errors.Add($"{where}: {c.Slot}'s memory changed since it was committed");
            }
        }
        foreach (var sid in m.Sessions.Keys) OpenSession(a, m, sid, errors);
    }
}
