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
}
