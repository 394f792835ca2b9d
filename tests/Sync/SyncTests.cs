using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Sync;

/// <summary>State sync through the public API, between two stores in this process.</summary>
public sealed class SyncTests
{
    private static VM NewVM() => VM.Ephemeral(new VMOptions { Durable = false });

    [Fact]
    public void Sync_into_an_empty_store_reproduces_the_state_object_for_object()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 300);
        using var target = NewVM();
        var progress = new List<SyncProgress>();

        var summary = target.Sync(source.SyncSource(maxBatch: 64), root, new SyncingProgress(progress));

        Assert.Equal([root], target.Commits);
        Assert.Equal(SyncStates.Snapshot(source, root), SyncStates.Snapshot(target, root));
        Assert.Equal(SyncStates.Objects(source, root), summary.ObjectsFetched);
        Assert.Equal(0, summary.AlreadyPresent);
        Assert.True(summary.Requests > 1, "a state of this size takes several batches");
        Assert.True(summary.BytesFetched >= 300L * PageStore.PageSize);
        Assert.Equal(summary.ObjectsFetched, progress[^1].ObjectsWritten);
        Assert.Equal(0, target.UnfinishedSyncObjects);
        Assert.True(target.Fsck().IsClean);
    }

    [Fact]
    public void A_one_page_change_moves_only_its_path_and_counts_stay_exact()
    {
        using var source = NewVM();
        var (r1, contract) = SyncStates.Filled(source, pages: 500);
        var r2 = SyncStates.ChangeOnePage(source, r1, contract, page: SyncStates.FirstPage + 123, seed: 99);
        using var target = NewVM();
        target.Sync(source.SyncSource(), r1);

        var diff = target.Sync(source.SyncSource(), r2);

        Assert.InRange(diff.ObjectsFetched, 2, 64);
        // The call changed two pages: the filled one and page 0 (its argument buffer). Moved: the contract
        // leaf (the root: one contract), the page-tree nodes on either path (shared above the highest set
        // bit of the filled page's index), the two pages. Nothing else.
        uint filled = SyncStates.FirstPage + 123;
        int shared = 20 - (32 - System.Numerics.BitOperations.LeadingZeroCount(filled)) + 1;
        Assert.Equal(1 + shared + 2 * (20 - shared) + 2, diff.ObjectsFetched);
        Assert.True(diff.AlreadyPresent > 0);
        Assert.Equal(SyncStates.Snapshot(source, r2), SyncStates.Snapshot(target, r2));
        Assert.True(target.Fsck().IsClean);
        // The shared objects' counts include both commits: deleting R1 keeps all of R2.
        target.DeleteCommit(r1);
        target.CollectGarbage();
        Assert.True(target.Fsck().IsClean);
        Assert.Equal(SyncStates.Snapshot(source, r2), SyncStates.Snapshot(target, r2));
    }

    [Fact]
    public void Syncing_a_commit_the_store_has_fetches_nothing()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 20);
        using var target = NewVM();
        target.Sync(source.SyncSource(), root);
        var scripted = new ScriptedSource(source.SyncSource());

        var again = target.Sync(scripted, root);

        Assert.Equal(0, again.ObjectsFetched);
        Assert.Empty(scripted.Asked);
        Assert.Equal([root], target.Commits);
    }

    [Fact]
    public void A_tampered_object_is_refused_by_name_nothing_becomes_visible_and_an_honest_retry_succeeds()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 200);
        using var target = NewVM();
        ObjectRef? victim = null;
        var tampering = new ScriptedSource(source.SyncSource(maxBatch: 32))
        {
            Tamper = (reference, bytes) =>
            {
                if (reference.Kind != ObjectKind.Page || victim is not null && victim != reference) return null;
                victim = reference;
                var altered = (byte[])bytes.Clone();
                altered[100] ^= 1;
                return altered;
            },
        };

        var error = Assert.Throws<SyncVerificationException>(() => target.Sync(tampering, root));

        Assert.Equal(victim, error.Object);
        Assert.Contains(victim!.Value.Key.ToString(), error.Message);
        Assert.Empty(target.Commits);
        Assert.Null(target.ReadObject(victim.Value));
        Assert.True(target.Fsck().IsClean);

        var retry = target.Sync(source.SyncSource(), root);
        Assert.Equal([root], target.Commits);
        Assert.Equal(SyncStates.Snapshot(source, root), SyncStates.Snapshot(target, root));
        Assert.True(retry.AlreadyPresent > 0, "what the first attempt verified is reused");
        Assert.Equal(0, target.UnfinishedSyncObjects);
        Assert.True(target.Fsck().IsClean);
    }

    [Fact]
    public void A_wrong_node_is_refused_before_anything_below_it_is_asked_for()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 10);
        var (other, _) = SyncStates.Filled(source, pages: 11, seed: 3);
        using var target = NewVM();
        // The peer answers the root with another state's root node: well-formed, but not the asked hash.
        var swapping = new ScriptedSource(source.SyncSource())
        {
            Tamper = (reference, _) => reference == ObjectRef.Node(root) ? source.ReadObject(ObjectRef.Node(other)) : null,
        };

        var error = Assert.Throws<SyncVerificationException>(() => target.Sync(swapping, root));

        Assert.Equal(ObjectRef.Node(root), error.Object);
        Assert.Single(swapping.Asked);
        Assert.Empty(target.Commits);
    }

    [Fact]
    public void An_interrupted_sync_resumes_without_fetching_again_what_it_stored()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 400);
        using var target = NewVM();
        var first = new ScriptedSource(source.SyncSource(maxBatch: 16)) { FailAfter = 20 };

        Assert.Throws<SyncSourceException>(() => target.Sync(first, root));
        Assert.Empty(target.Commits);
        var stored = first.Asked.Where(r => target.ReadObject(r) is not null).ToHashSet();
        Assert.NotEmpty(stored);
        Assert.True(target.UnfinishedSyncObjects > 0);
        Assert.True(target.Fsck().IsClean, "the pins count as references");

        var second = new ScriptedSource(source.SyncSource(maxBatch: 16));
        var summary = target.Sync(second, root);

        Assert.DoesNotContain(second.Asked, stored.Contains);
        Assert.True(summary.AlreadyPresent > 0);
        Assert.True(second.Asked.Count < SyncStates.Objects(source, root));
        Assert.Equal(SyncStates.Snapshot(source, root), SyncStates.Snapshot(target, root));
        Assert.Equal(0, target.UnfinishedSyncObjects);
        Assert.True(target.Fsck().IsClean);
    }

    [Fact]
    public void Gc_reclaims_the_objects_of_an_abandoned_sync_and_nothing_else()
    {
        using var source = NewVM();
        var (kept, _) = SyncStates.Filled(source, pages: 30, seed: 1);
        var (abandoned, _) = SyncStates.Filled(source, pages: 300, seed: 2);
        using var target = NewVM();
        target.Sync(source.SyncSource(), kept);
        var before = target.Statistics().Store;

        Assert.Throws<SyncSourceException>(() => target.Sync(new ScriptedSource(source.SyncSource(maxBatch: 16)) { FailAfter = 30 }, abandoned));
        Assert.True(target.UnfinishedSyncObjects > 0);
        Assert.True(target.Statistics().Store.Pages > before.Pages);

        target.CollectGarbage();

        var after = target.Statistics().Store;
        Assert.Equal(0, target.UnfinishedSyncObjects);
        Assert.Equal((before.Pages, before.Nodes, before.Bytecodes, before.ReferenceCounts), (after.Pages, after.Nodes, after.Bytecodes, after.ReferenceCounts));
        Assert.Equal([kept], target.Commits);
        Assert.True(target.Fsck().IsClean);
        Assert.Equal(SyncStates.Snapshot(source, kept), SyncStates.Snapshot(target, kept));
    }

    [Fact]
    public void Gc_during_a_sync_leaves_the_sync_s_objects_alone()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 1200); // over the 1,024 objects a sync writes at a time
        using var target = NewVM();
        long pinnedDuringGc = 0;
        var scripted = new ScriptedSource(source.SyncSource(maxBatch: 16))
        {
            BeforeServing = served =>
            {
                if (served % 25 != 24) return;
                pinnedDuringGc = Math.Max(pinnedDuringGc, target.UnfinishedSyncObjects);
                target.CollectGarbage();
            },
        };

        target.Sync(scripted, root);

        Assert.True(pinnedDuringGc > 0, "gc ran while the sync had objects pinned");
        Assert.Equal(SyncStates.Snapshot(source, root), SyncStates.Snapshot(target, root));
        Assert.True(target.Fsck().IsClean);
    }

    [Fact]
    public void A_source_that_lacks_the_root_fails_with_a_typed_error_and_changes_nothing()
    {
        using var source = NewVM();
        using var target = NewVM();
        var missing = Hash.Of("no such state"u8);

        var error = Assert.Throws<SyncSourceException>(() => target.Sync(source.SyncSource(), missing));

        Assert.Contains(missing.ToString(), error.Message);
        Assert.Empty(target.Commits);
        Assert.Equal(0, target.UnfinishedSyncObjects);
    }

    [Fact]
    public void The_empty_state_syncs_without_fetching()
    {
        using var source = NewVM();
        Hash root;
        using (var session = source.Session()) root = session.Commit();
        using var target = NewVM();

        var summary = target.Sync(source.SyncSource(), root);

        Assert.Equal(0, summary.Requests);
        Assert.Equal([root], target.Commits);
    }

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SyncingProgress(List<SyncProgress> reports) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => reports.Add(value);
    }
}
