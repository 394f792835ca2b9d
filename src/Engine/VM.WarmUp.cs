using Piecrust.Execution;
using Piecrust.Storage;

namespace Piecrust;

// Making a fresh VM's first session as fast as a warm one: instances ready before it opens.
public sealed partial class VM
{
    /// <summary>Most contracts one <see cref="WarmUp"/> takes: the instances a runtime kept between sessions may hold.</summary>
    public const int MaxWarmUpContracts = 64;

    /// <summary>
    /// Prepares the first calls of later sessions on <paramref name="root"/> to <paramref name="contracts"/>:
    /// loads each compiled module (from the store's cache), builds each memory's image (mapped path)
    /// and makes a live instance showing it, left in the VM's pool of runtimes. A session opened next
    /// takes that runtime over, so its first call to each contract costs what it costs in a VM that
    /// has already run sessions, not a Wasmtime instantiation, a module load and an image build.
    /// Call it after <see cref="Open"/>, with the contracts the next blocks are expected to call; it
    /// changes no state, and is worth it only before the first session (later sessions leave their
    /// instances behind anyway). What it costs is what those first calls would have paid.
    /// </summary>
    /// <remarks>
    /// Bounded like every runtime the pool keeps: instances are made in order until the next one
    /// would take the runtime past 256 instances or 16 TiB of address space (three 64-bit memories of
    /// 4 TiB with their guards, or 32-bit memories of 4 GiB each; see README, "Address space is the
    /// cost"), or until the process-wide address-space budget is short (at most
    /// <see cref="MaxWarmUpContracts"/> in all); the rest are left for their first call to make.
    /// </remarks>
    /// <returns>How many of <paramref name="contracts"/>, counted from the first, have an instance ready.</returns>
    /// <exception cref="CommitNotFoundException"><paramref name="root"/> is not a live commit.</exception>
    /// <exception cref="ContractNotFoundException">A contract is not in the state of <paramref name="root"/>: no instance is made.</exception>
    /// <exception cref="InvalidArgumentException">More than <see cref="MaxWarmUpContracts"/> contracts.</exception>
    /// <exception cref="CorruptStoreException">A contract's stored code or memory is damaged.</exception>
    public int WarmUp(Hash root, IEnumerable<ContractId> contracts)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        var list = contracts.Take(MaxWarmUpContracts + 1).ToArray();
        if (list.Length > MaxWarmUpContracts)
            throw new InvalidArgumentException($"A warm-up takes at most {MaxWarmUpContracts} contracts; pass the ones the next calls use most.");
        using var session = Session(new SessionData { Base = root });
        return session.WarmUp(list);
    }

    /// <summary>The store hint (<see cref="PageStore.ReadHint"/>) under which a VM remembers the contracts it ran.</summary>
    private const string RecentHint = "recentcontracts";

    /// <summary>The contracts this VM's sessions ran most recently (remembered in the store when it closes).</summary>
    internal RecentContracts Recent { get; } = new();

    /// <summary>True when the VM remembers its recent contracts in its store when it closes (opened, not ephemeral, <see cref="VMOptions.WarmUpOnOpen"/> not 0).</summary>
    private bool _remembers;

    /// <summary>Set once a session of this VM wrote a commit: only then does closing write what it remembers (a VM that only reads writes nothing).</summary>
    internal bool CommitsWritten { get; set; }

    /// <summary>What the store remembered when the VM opened (empty if nothing): not written again unchanged.</summary>
    private IReadOnlyList<ContractId> _rememberedAtOpen = [];

    /// <exception cref="ArgumentOutOfRangeException"><see cref="VMOptions.WarmUpOnOpen"/> is negative or above <see cref="MaxWarmUpContracts"/>.</exception>
    private static void CheckWarmUpOnOpen(VMOptions options) =>
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)options.WarmUpOnOpen, (uint)MaxWarmUpContracts, "options." + nameof(VMOptions.WarmUpOnOpen));

    /// <summary>
    /// Warms up, on the newest live commit, the first <see cref="VMOptions.WarmUpOnOpen"/> of the
    /// contracts the store's last VM remembered, skipping those that commit lacks; from now on this VM
    /// remembers its own (seeded with those, so a VM that runs nothing passes them on). Only a way
    /// to work faster: a damaged or unreadable list, or a contract whose stored code or memory cannot
    /// be read, ends the warm-up, never the open; the damage is reported where it always was, by the
    /// first session that needs that contract (and by fsck). A damaged list is replaced when a VM that ran sessions closes.
    /// </summary>
    /// <returns>How many contracts have an instance ready.</returns>
    private int WarmUpRemembered()
    {
        if (Options.WarmUpOnOpen == 0) return 0;
        _remembers = true;
        IReadOnlyList<ContractId> remembered = [];
        try
        {
            // None, damaged, or in a form a later version wrote: nothing to warm up.
            if (Store.ReadHint(RecentHint) is not { } stored || RecentContracts.TryDecode(stored) is not { } decoded) return 0;
            remembered = decoded;
            var commits = Store.Commits;
            if (commits.Count == 0 || remembered.Count == 0) return 0;
            using var session = Session(new SessionData { Base = commits[^1].Root });
            return session.WarmUp([.. remembered.Take(Options.WarmUpOnOpen)], skipMissing: true);
        }
        catch (Exception e) when (e is CorruptStoreException or StoreIOException)
        {
            return 0;
        }
        finally
        {
            // After the warm-up's session, whose end touches the contracts it made instances of in load order.
            Recent.Seed(remembered);
            _rememberedAtOpen = remembered;
        }
    }

    /// <summary>Stores the contracts this VM's sessions ran most recently, when any ran and a commit was written (a hint only: a failed write changes nothing else and is not an error).</summary>
    private void RememberRecent()
    {
        if (!_remembers || !CommitsWritten) return;
        var recent = Recent.MostRecentFirst();
        if (recent.SequenceEqual(_rememberedAtOpen)) return; // nothing ran, or the same contracts in the same order
        try
        {
            Store.WriteHint(RecentHint, RecentContracts.Encode(recent));
        }
        catch (Exception e) when (e is StoreIOException or CorruptStoreException)
        {
            // The next open warms up what an earlier VM remembered, or nothing: slower, never wrong.
        }
    }
}
