using System.Buffers.Binary;
using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Engine;
using Xunit;

namespace Piecrust.Tests.Maintenance;

public sealed class SnapshotTests
{
    [Fact]
    public void Export_then_import_into_a_fresh_directory_reproduces_the_root_and_the_state()
    {
        using var state = new CounterState();
        var snapshot = new MemoryStream();
        SnapshotInfo exported;
        using (var source = VM.Open(state.Directory))
            exported = source.Export(state.Root, snapshot);
        Assert.Equal(snapshot.Length, exported.Bytes);
        Assert.Equal(1, exported.Bytecodes);

        string target = Storage.StoreFixture.TempDirectory();
        try
        {
            using var vm = VM.Open(target);
            snapshot.Position = 0;
            var imported = vm.Import(snapshot);
            Assert.Equal(state.Root, imported.Root);
            Assert.Equal(exported, imported);
            Assert.Equal([state.Root], vm.Commits);
            Assert.Null(vm.CommitLog[0].Parent);
            Assert.Equal(0xfdUL, CounterState.ReadCounter(vm, imported.Root, state.Contract));
            Assert.True(vm.Fsck().IsClean);
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public void The_snapshot_has_the_documented_layout()
    {
        using var state = new CounterState();
        using var vm = VM.Open(state.Directory);
        var bytes = Export(vm, state.Root);

        Assert.Equal("PCSNAPSH"u8.ToArray(), bytes[..8]);
        Assert.Equal(StateSnapshot.Version, bytes[8]);
        Assert.Equal(1, bytes[9]);
        Assert.Equal(state.Root, Hash.FromBytes(bytes.AsSpan(10, 32)));
        var records = Records(bytes);
        Assert.Equal(ObjectKind.Node, records[0].Kind); // the root comes first
        Assert.Equal(state.Root, NodeLayout.Instance.KeyOf(records[0].Bytes));
        int trailer = bytes.Length - StateSnapshot.TrailerLength;
        Assert.Equal(0xFF, bytes[trailer]);
        Assert.Equal((ulong)records.Count, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(trailer + 1)));
        Assert.Equal(Hash.Of(bytes.AsSpan(0, bytes.Length - 32)), Hash.FromBytes(bytes.AsSpan(bytes.Length - 32)));
        Assert.Equal(records.Count, records.Select(r => (r.Kind, Hash.Of(r.Bytes))).Distinct().Count()); // each object once
    }

    [Fact]
    public void Importing_into_the_store_it_came_from_changes_nothing()
    {
        using var state = new CounterState();
        using var vm = VM.Open(state.Directory);
        var bytes = Export(vm, state.Root);
        var imported = vm.Import(new MemoryStream(bytes));
        Assert.Equal(state.Root, imported.Root);
        Assert.Single(vm.Commits);
        Assert.True(vm.Fsck().IsClean);
    }

    [Fact]
    public void The_empty_state_round_trips()
    {
        using var source = VM.Ephemeral();
        Hash root;
        using (var session = source.Session()) root = session.Commit();
        Assert.Equal(Domain.EmptyState, root);
        var bytes = Export(source, root);
        Assert.Equal(StateSnapshot.HeaderLength + StateSnapshot.TrailerLength, bytes.Length);

        using var target = VM.Ephemeral();
        Assert.Equal(root, target.Import(new MemoryStream(bytes)).Root);
        Assert.Equal([root], target.Commits);
    }

    [Fact]
    public void Exporting_an_unknown_root_fails_with_a_typed_error()
    {
        using var vm = VM.Ephemeral();
        Assert.Throws<CommitNotFoundException>(() => vm.Export(Hash.Of([1]), new MemoryStream()));
    }

    [Fact]
    public void Every_flipped_byte_is_rejected_and_the_target_stays_empty()
    {
        using var state = new CounterState();
        byte[] bytes;
        using (var source = VM.Open(state.Directory)) bytes = Export(source, state.Root);

        using var target = VM.Ephemeral();
        // Every header and trailer byte, and a spread of positions through the records.
        var positions = Enumerable.Range(0, StateSnapshot.HeaderLength + 16)
            .Concat(Enumerable.Range(bytes.Length - 48, 48))
            .Concat(Enumerable.Range(0, 200).Select(i => (int)((long)i * bytes.Length / 200)))
            .Distinct().Order().ToArray();
        foreach (int position in positions)
        {
            var tampered = bytes.ToArray();
            tampered[position] ^= 0x20;
            var error = Assert.Throws<InvalidSnapshotException>(() => target.Import(new MemoryStream(tampered)));
            Assert.Contains("Nothing was imported", error.Message);
        }
        AssertEmpty(target);
    }

    [Fact]
    public void A_truncated_snapshot_is_rejected_at_any_length()
    {
        using var state = new CounterState();
        using var vm = VM.Ephemeral();
        byte[] bytes;
        using (var source = VM.Open(state.Directory)) bytes = Export(source, state.Root);
        foreach (int length in new[] { 0, 1, 8, 41, 42, 47, 100, bytes.Length / 2, bytes.Length - 33, bytes.Length - 1 })
        {
            var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(new MemoryStream(bytes[..length])));
            Assert.Contains("truncated", error.Message);
        }
        var longer = Assert.Throws<InvalidSnapshotException>(() => vm.Import(new MemoryStream([.. bytes, 0])));
        Assert.Contains("follow its trailer", longer.Message);
        AssertEmpty(vm);
    }

    [Fact]
    public void An_incomplete_snapshot_is_rejected_unless_the_store_already_has_what_it_lacks()
    {
        using var state = new CounterState();
        using var source = VM.Open(state.Directory);
        var bytes = Export(source, state.Root);
        var records = Records(bytes);
        int page = records.FindIndex(r => r.Kind == ObjectKind.Page);
        var withoutPage = Rebuild(bytes, records.Where((_, i) => i != page));

        using var target = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => target.Import(new MemoryStream(withoutPage)));
        Assert.Contains("incomplete", error.Message);
        Assert.Contains(PageStore.PageKey(records[page].Bytes).ToString(), error.Message);
        AssertEmpty(target);

        // The source store holds the page: there the same snapshot is complete.
        Assert.Equal(state.Root, source.Import(new MemoryStream(withoutPage)).Root);
    }

    [Fact]
    public void A_snapshot_with_an_object_its_root_does_not_reach_is_rejected()
    {
        using var state = new CounterState();
        using var source = VM.Open(state.Directory);
        var bytes = Export(source, state.Root);
        var extra = (ObjectKind.Page, Storage.StoreFixture.Page(99));
        var padded = Rebuild(bytes, Records(bytes).Append(extra));

        using var target = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => target.Import(new MemoryStream(padded)));
        Assert.Contains("does not reach", error.Message);
        AssertEmpty(target);
    }

    [Fact]
    public void A_file_that_is_not_a_snapshot_is_rejected()
    {
        using var vm = VM.Ephemeral();
        var error = Assert.Throws<InvalidSnapshotException>(() => vm.Import(new MemoryStream(Contracts.Bytes("counter"))));
        Assert.Contains("magic", error.Message);
    }

    private static byte[] Export(VM vm, Hash root)
    {
        var stream = new MemoryStream();
        vm.Export(root, stream);
        return stream.ToArray();
    }

    private static List<(ObjectKind Kind, byte[] Bytes)> Records(byte[] snapshot)
    {
        var records = new List<(ObjectKind, byte[])>();
        int offset = StateSnapshot.HeaderLength;
        while (snapshot[offset] != 0xFF)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(offset + 1));
            records.Add(((ObjectKind)snapshot[offset], snapshot.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }
        return records;
    }

    /// <summary>The same header with other records and a correct trailer: only the graph checks can catch it.</summary>
    private static byte[] Rebuild(byte[] snapshot, IEnumerable<(ObjectKind Kind, byte[] Bytes)> records)
    {
        var output = new MemoryStream();
        output.Write(snapshot, 0, StateSnapshot.HeaderLength);
        ulong count = 0;
        foreach (var (kind, bytes) in records)
        {
            output.WriteByte((byte)kind);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
            output.Write(length);
            output.Write(bytes);
            count++;
        }
        output.WriteByte(0xFF);
        var countBytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(countBytes, count);
        output.Write(countBytes);
        output.Write(Hash.Of(output.ToArray()).ToArray());
        return output.ToArray();
    }

    private static void AssertEmpty(VM vm)
    {
        Assert.Empty(vm.Commits);
        var stats = vm.Statistics().Store;
        Assert.Equal(0, stats.Pages + stats.Nodes + stats.Bytecodes + stats.ReferenceCounts);
    }
}
