using System.Net;
using Piecrust.Tools.Serve;
using Xunit;
using Xunit.Abstractions;

namespace Piecrust.Tests.Sync;

/// <summary>
/// The importer's memory does not grow with the state: <c>piecrust sync</c> in a child process pulls a
/// state from a real server while the test samples the child's peak resident set (VmHWM). 1 GiB of
/// pages by default, the case issue I names (about a minute; <c>PIECRUST_SYNC_TEST_MIB=64</c> for a
/// quick local run).
/// </summary>
public sealed class SyncMemoryTests(ITestOutputHelper output)
{
    private const long LimitBytes = 300L << 20;

    [Fact]
    public async Task The_importing_process_peak_rss_stays_under_300_MiB()
    {
        int mib = int.TryParse(Environment.GetEnvironmentVariable("PIECRUST_SYNC_TEST_MIB"), out int asked) ? asked : 1024;
        if (!OperatingSystem.IsLinux()) return; // VmHWM is Linux's
        string sourceDir = Storage.StoreFixture.TempDirectory(), store = Storage.StoreFixture.TempDirectory();
        try
        {
            using var source = VM.Open(sourceDir, new VMOptions { Durable = false });
            Hash root = default;
            for (int done = 0; done < mib; done += 64) // 64 MiB per call keeps each call's gas and dirty set moderate
            {
                using var session = root == default ? source.Session() : source.Session(new SessionData { Base = root });
                var contract = root == default
                    ? session.Deploy(SyncStates.Filler, new ContractData(Engine.Contracts.Owner, default), Engine.Contracts.Gas)
                    : source.DescribeContracts(root)[0].Id;
                int pages = Math.Min(64, mib - done) * 256;
                session.Call(contract, "fill", SyncStates.FillArgument(SyncStates.FirstPage + (uint)done * 256, (uint)pages, 11), 10_000_000_000);
                root = session.Commit();
            }
            await using var server = await SyncServer.StartAsync(source, new IPEndPoint(IPAddress.Loopback, 0));

            var child = SyncCrashTests.Start(store, server.Address, root, batch: 256);
            long peak = 0;
            while (!child.HasExited)
            {
                peak = Math.Max(peak, PeakRss(child.Id));
                await Task.Delay(20);
            }
            string stdout = await child.StandardOutput.ReadToEndAsync();
            Assert.True(child.ExitCode == 0, stdout + await child.StandardError.ReadToEndAsync());
            output.WriteLine($"{mib} MiB state: importer peak RSS {peak >> 20} MiB; {stdout.Trim()}");
            Assert.Contains($"synced {root}", stdout);
            Assert.InRange(peak, 1, LimitBytes);
        }
        finally
        {
            foreach (var dir in new[] { sourceDir, store })
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    // Peak resident set of a live process, in bytes; 0 once it is gone.
    private static long PeakRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
