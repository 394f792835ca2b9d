using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tests.Storage;

/// <summary>Helpers to build page trees and commits in a real (ephemeral or on-disk) store.</summary>
internal static class StoreFixture
{
    public static byte[] Page(int seed, int nonZeroBytes = 64)
    {
        var page = new byte[PageStore.PageSize];
        var random = new Random(seed);
        random.NextBytes(page.AsSpan(0, nonZeroBytes));
        page[0] = (byte)(seed | 1); // never the zero page
        return page;
    }

    public static byte[] RandomPage(int seed)
    {
        var page = new byte[PageStore.PageSize];
        new Random(seed).NextBytes(page);
        return page;
    }

    /// <summary>Stages pages at the given indices in a 32-bit page tree and returns the new root.</summary>
    public static Hash WritePages(MerkleIndex index, Hash root, StagedObjects staged, params (ulong Index, byte[] Bytes)[] pages)
    {
        var changes = pages.OrderBy(p => p.Index).Select(p => new PageChange(p.Index, staged.AddPage(p.Bytes))).ToArray();
        return index.UpdatePages(root, PageTree.Height32, changes, staged);
    }

    /// <summary>Commits a bare page tree as a store commit (the store does not care what a commit's root node is).</summary>
    public static Hash CommitTree(PageStore store, Hash treeRoot, StagedObjects staged, Hash? parent = null)
    {
        store.WriteCommit(treeRoot, treeRoot == PageTree.EmptyRoot(PageTree.Height32) ? null : ObjectRef.Node(treeRoot), parent, staged);
        return treeRoot;
    }

    public static string TempDirectory() => Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>Runs <paramref name="test"/> with a fresh temporary directory path, deleted afterwards whatever happens.</summary>
    public static void InTempDirectory(Action<string> test)
    {
        string directory = TempDirectory();
        try
        {
            test(directory);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every object reachable from the live commits, found by walking the trees (independently of the reference counts).</summary>
    public static HashSet<ObjectRef> Reachable(PageStore store)
    {
        var seen = new HashSet<ObjectRef>();
        var pending = new Stack<ObjectRef>();
        foreach (var commit in store.Commits)
            if (store.Contains(ObjectRef.Node(commit.Root))) pending.Push(ObjectRef.Node(commit.Root));
        var children = new List<ObjectRef>();
        while (pending.Count > 0)
        {
            var reference = pending.Pop();
            if (!seen.Add(reference)) continue;
            if (reference.Kind == ObjectKind.Page)
            {
                // A page stored as a difference reaches the page it is a difference from.
                if (store.StoredPageBase(reference.Key) is { } baseKey) pending.Push(ObjectRef.Page(baseKey));
                continue;
            }
            if (reference.Kind != ObjectKind.Node) continue;
            children.Clear();
            store.Layout.AddChildren(store.ReadNode(reference.Key), children);
            foreach (var child in children) pending.Push(child);
        }
        return seen;
    }

    /// <summary>Every object the store holds.</summary>
    public static HashSet<ObjectRef> Stored(PageStore store) =>
        Enum.GetValues<ObjectKind>().SelectMany(kind => store.Keys(kind).Select(key => new ObjectRef(kind, key))).ToHashSet();
}
