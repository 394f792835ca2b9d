using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// Failures of the engine itself, rather than of contract code, reach the caller as typed
/// <see cref="PiecrustException"/>s and leave the store as it was: a replay that diverges, a memory
/// the host cannot give, an image file that cannot be written.
/// </summary>
public sealed class EngineErrorTests
{
    /// <summary>Answers <c>hq</c> with one more byte each time: not deterministic.</summary>
    private sealed class TickingQuery : IHostQuery
    {
        public int Executions { get; private set; }

        public ulong Price(ReadOnlySpan<byte> arg) => 1;

        public int Execute(ReadOnlySpan<byte> arg, Span<byte> result)
        {
            Executions++;
            result[..Executions].Fill(7);
            return Executions;
        }
    }

    // everything_import's call_hq: [u64 name ptr][u32 name len][u32 arg len], the name right after, at A + 16.
    private static readonly byte[] AskTick = Contracts.Cat(Contracts.Le(0x10010UL), Contracts.Le(4u), Contracts.Le(0u), "tick"u8.ToArray());

    [Fact]
    public void A_replay_that_gives_another_result_is_a_ReplayDivergedException_and_the_session_runs_no_more_calls()
    {
        // Only the mapped path keeps successful calls to replay after a failure (the plain path takes each call in at once).
        using var vm = VM.Ephemeral(new VMOptions { Memory = MemoryPath.Mapped });
        var tick = new TickingQuery();
        vm.RegisterHostQuery("tick", tick);
        using var session = vm.Session();
        var id = Contracts.Deploy(session, "everything_import.wat");
        Assert.Equal(Contracts.Le(1), session.Call(id, "call_hq", AskTick, Contracts.Gas).Data);

        // The panic is undone by replaying call_hq, whose query now answers 2 bytes instead of 1.
        var diverged = Assert.Throws<ReplayDivergedException>(() => session.Call(id, "call_panic", Contracts.Le(0u), Contracts.Gas));
        Assert.Contains("'call_hq'", diverged.Message);
        Assert.Contains("deterministic", diverged.Message);
        Assert.Equal(2, tick.Executions);

        var refused = Assert.Throws<ReplayDivergedException>(() => session.Call(id, "noop", [], Contracts.Gas));
        Assert.Contains("unusable", refused.Message);
        Assert.Throws<ReplayDivergedException>(() => session.Call(id, "call_hq", AskTick, Contracts.Gas));
        Assert.Equal(2, tick.Executions); // refused before running
    }

    [Fact]
    public void A_stored_memory_longer_than_this_VMs_MaxMemory_is_an_EngineResourceException_every_time_and_changes_nothing()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Hash root;
            ContractId id;
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session();
                id = Contracts.Deploy(session, "everything_import.wat");
                session.Call(id, "grow", Contracts.Le(62UL), Contracts.Gas); // 2 + 62 pages: 4 MiB
                root = session.Commit();
            }
            using (var vm = TestVM.Open(directory, new VMOptions { MaxMemory = 1 << 20 }))
            {
                using var session = vm.Session(new SessionData { Base = root });
                var error = Assert.Throws<EngineResourceException>(() => session.Call(id, "noop", [], Contracts.Gas));
                Assert.Contains("MaxMemory", error.Message);
                Assert.Contains((4UL << 20).ToString(), error.Message);
                // The half-loaded instance was dropped: the next call fails the same way instead of running on it.
                Assert.Throws<EngineResourceException>(() => session.Call(id, "size", [], Contracts.Gas));
                // New code would not make the memory fit: a migration is refused the same way, up front.
                var migration = Assert.Throws<EngineResourceException>(() => session.Migrate(id, Contracts.Bytes("everything_import.wat")));
                Assert.Contains("MaxMemory", migration.Message);
                Assert.Equal(root, session.Root);
                Assert.Equal([root], vm.Commits);
            }
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session(new SessionData { Base = root });
                Assert.Equal(Contracts.Le(64UL), session.Call(id, "size", [], Contracts.Gas).Data);
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_image_file_that_cannot_be_created_is_a_StoreIOException_naming_it_and_nothing_is_committed()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        string images = Path.Combine(directory, "images");
        try
        {
            using var vm = VM.Open(directory, new VMOptions { Memory = MemoryPath.Mapped });
            Hash root;
            ContractId counter;
            using (var session = vm.Session())
            {
                counter = Contracts.Deploy(session, "counter");
                root = session.Commit();
            }

            using (var session = vm.Session(new SessionData { Base = root }))
            {
                session.Call(counter, "increment", [], Contracts.Gas);
                Directory.Delete(images, recursive: true);
                File.WriteAllBytes(images, []); // its place taken by a file: nothing can be created in it
                var error = Assert.Throws<StoreIOException>(() => session.Commit());
                Assert.Contains(images, error.Message);
                Assert.Equal([root], vm.Commits);
            }

            File.Delete(images);
            Directory.CreateDirectory(images);
            using (var session = vm.Session(new SessionData { Base = root }))
            {
                Assert.Equal(Contracts.Le(0xfcUL), session.Call(counter, "read_value", [], Contracts.Gas).Data);
                session.Call(counter, "increment", [], Contracts.Gas);
                var next = session.Commit();
                Assert.Equal([root, next], vm.Commits);
            }
        }
        finally
        {
            if (File.Exists(images)) File.Delete(images);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_VM_whose_images_directory_cannot_be_made_is_a_StoreIOException_and_leaves_the_store_openable()
    {
        string directory = Path.Combine(Path.GetTempPath(), "piecrust-test-" + Guid.NewGuid().ToString("N"));
        string images = Path.Combine(directory, "images");
        try
        {
            Hash root;
            using (var vm = TestVM.Open(directory))
            {
                using var session = vm.Session();
                Contracts.Deploy(session, "counter");
                root = session.Commit();
            }
            Directory.Delete(images, recursive: true);
            File.WriteAllBytes(images, []); // the directory's place taken by a file
            var error = Assert.Throws<StoreIOException>(() => TestVM.Open(directory));
            Assert.Contains(images, error.Message);

            File.Delete(images);
            using (var vm = TestVM.Open(directory)) Assert.Equal([root], vm.Commits); // the failed open left no lock behind
        }
        finally
        {
            if (File.Exists(images)) File.Delete(images);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
