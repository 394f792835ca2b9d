using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// fsck's check of what states mean (<see cref="IStateCheck"/>): walks every commit's contract tree
/// and the page trees under it with the rules a snapshot import applies (<see cref="StateRules"/>,
/// <see cref="ContractRules"/>, and the engine's module validation of every bytecode through
/// <see cref="IBytecodeValidator"/>), so a store that an older version, a damaged disk or a raw
/// write filled with what an import would refuse is reported. Each node is checked once per place,
/// each bytecode once. Memory grows with the distinct nodes of the states.
/// </summary>
public sealed class StateChecker(IBytecodeValidator validator) : IStateCheck
{
    /// <inheritdoc/>
    public long Check(PageStore store, IReadOnlyList<Hash> roots, Action<StoreProblem> report, IProgress<MaintenanceProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(report);
        var seen = new HashSet<(Hash, StatePlace)>();
        var verdicts = new Dictionary<Hash, BytecodeVerdict?>();
        var pending = new Stack<(Hash Node, StatePlace Place, ContractLeaf? TreeOf)>();
        var children = new List<(ObjectRef Child, StatePlace Place)>();
        long contracts = 0;
        foreach (var root in roots) pending.Push((root, StatePlace.Root, null));
        while (pending.Count > 0)
        {
            var (key, place, treeOf) = pending.Pop();
            if (!seen.Add((key, place))) continue;
            if (seen.Count % 1024 == 0) progress?.Report(new MaintenanceProgress("checking states", seen.Count, 0));
            byte[] node;
            try
            {
                node = store.ReadNode(key);
            }
            catch (Exception e) when (e is CorruptStoreException or StoreIOException)
            {
                continue; // missing or corrupt: the structural check reports it
            }
            children.Clear();
            var broken = StateRules.CheckNode(key, node, place, treeOf, children, out var leaf);
            if (leaf is not null) contracts++;
            if (broken is not null)
            {
                var kind = leaf is not null ? StoreProblemKind.InvalidContract : StoreProblemKind.MisplacedNode;
                report(new StoreProblem(kind, key.ToString(), ObjectRef.Node(key), Sentence(broken)));
                continue;
            }
            if (leaf is not null)
            {
                if (Verdict(store, leaf.Bytecode, verdicts, report) is { IsValid: true } verdict && ContractRules.CheckCode(leaf, verdict) is { } mismatch)
                    report(new StoreProblem(StoreProblemKind.InvalidContract, key.ToString(), ObjectRef.Node(key), Sentence(mismatch)));
            }
            foreach (var (child, childPlace) in children)
                if (child.Kind == ObjectKind.Node) pending.Push((child.Key, childPlace, childPlace.Kind == PlaceKind.PageBranch ? leaf : null));
        }
        progress?.Report(new MaintenanceProgress("checking states", seen.Count, seen.Count));
        return contracts;
    }

    // Each bytecode is validated once; an invalid one is reported once (as itself), unreadable ones not at all.
    private BytecodeVerdict? Verdict(PageStore store, Hash bytecode, Dictionary<Hash, BytecodeVerdict?> verdicts, Action<StoreProblem> report)
    {
        if (verdicts.TryGetValue(bytecode, out var known)) return known;
        BytecodeVerdict? verdict = null;
        try
        {
            verdict = validator.Validate(store.ReadBytecode(bytecode));
        }
        catch (Exception e) when (e is CorruptStoreException or StoreIOException)
        {
            // missing or corrupt: the structural check reports it
        }
        verdicts[bytecode] = verdict;
        if (verdict?.Violation is { } violation)
            report(new StoreProblem(StoreProblemKind.InvalidBytecode, bytecode.ToString(), ObjectRef.Bytecode(bytecode),
                $"Bytecode {bytecode} fails the deploy-time module validation: {violation.TrimEnd('.')}."));
        return verdict;
    }

    private static string Sentence(string rule) => char.ToUpperInvariant(rule[0]) + rule[1..] + ".";
}
