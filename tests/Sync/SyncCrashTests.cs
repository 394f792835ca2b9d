using System.Diagnostics;
using System.Runtime.InteropServices;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Sync;

/// <summary>
/// <c>piecrust sync</c> in a child process killed with SIGKILL at seeded random points of its transfer,
/// then resumed: after every kill the store is consistent and the commit is either absent or complete;
/// the final run fetches nothing the killed ones stored, and ends with the source's state.
/// </summary>
public sealed class SyncCrashTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "piecrust.dll");

    [Fact]
    public async Task A_sync_killed_at_random_points_resumes_to_the_same_root_with_nothing_half_visible()
    {
        using var source = VM.Ephemeral(new VMOptions { Durable = false });
        var (root, _) = SyncStates.Filled(source, pages: 3000);
        var scripted = new ScriptedSource(source.SyncSource());
        await using var server = await TamperingServer.StartAsync(scripted);
        string store = Storage.StoreFixture.TempDirectory();
        var random = new Random(20261204);
        try
        {
            int kills = 0;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                int killAt = scripted.Requests + random.Next(20, 120);
                var child = Start(store, server.Address, root);
                while (!child.HasExited && scripted.Requests < killAt) await Task.Delay(1);
                await Task.Delay(random.Next(0, 40));
                bool killed = !child.HasExited;
                if (killed) child.Kill();
                await child.WaitForExitAsync();

                using var vm = VM.Open(store);
                if (killed)
                {
                    kills++;
                    Assert.True(vm.Commits.Count == 0 || vm.Commits.SequenceEqual([root]), "a commit is never half visible");
                }
                else
                {
                    Assert.Equal(0, child.ExitCode);
                    Assert.Equal([root], vm.Commits);
                }
                var report = vm.Fsck();
                Assert.True(report.IsClean, string.Join("\n", report.Problems.Select(p => p.Message)));
                if (!killed) break;
            }
            Assert.True(kills >= 2, $"only {kills} kills landed: the state is too small for this test");

            HashSet<ObjectRef> heldBefore;
            using (var vm = VM.Open(store))
                heldBefore = scripted.Asked.Where(r => vm.HoldsObject(r)).ToHashSet();
            Assert.NotEmpty(heldBefore);
            int firstOfFinal = scripted.Asked.Count;

            var final = Start(store, server.Address, root);
            await final.WaitForExitAsync();
            Assert.True(final.ExitCode == 0, await final.StandardError.ReadToEndAsync() + await final.StandardOutput.ReadToEndAsync());

            Assert.DoesNotContain(scripted.Asked.Skip(firstOfFinal), heldBefore.Contains);
            using var synced = VM.Open(store);
            Assert.Equal([root], synced.Commits);
            Assert.Equal(SyncStates.Snapshot(source, root), SyncStates.Snapshot(synced, root));
            Assert.Equal(0, synced.UnfinishedSyncObjects);
            Assert.True(synced.Fsck().IsClean);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    internal static Process Start(string store, Uri peer, Hash root, int batch = 32)
    {
        var start = new ProcessStartInfo(Dotnet())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Cli, "--store", store, "sync", peer.ToString(), root.ToString(), "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("The sync child did not start.");
    }

    private static string Dotnet()
    {
        string exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == exe) return self;
        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }
}
