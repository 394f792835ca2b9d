using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Piecrust.Crash;

namespace Piecrust.Tests.Crash;

/// <summary>How the test ends a crash child.</summary>
internal enum KillPlan
{
    /// <summary>The child's own fault injector kills it at a <see cref="Storage.StoreFault"/> point.</summary>
    Fault,
    /// <summary>SIGKILL as soon as the test has read a given number of acknowledgements: the child is then somewhere in its next operation.</summary>
    AfterAcks,
    /// <summary>SIGKILL after a random delay from the start: anywhere, including process start-up and store recovery.</summary>
    AfterDelay,
}

/// <summary>What a crash child did before it died or ended.</summary>
/// <param name="Lines">Every line it wrote to stdout, in order (all of them: lines written before a kill stay in the pipe).</param>
/// <param name="ExitCode">137 when killed by SIGKILL, 0 when the workload ended, otherwise a failure.</param>
/// <param name="Stderr">What it wrote to stderr.</param>
/// <param name="MillisecondsToOpen">Time from start to the <c>open</c> line, or null when it never came.</param>
internal sealed record ChildResult(IReadOnlyList<string> Lines, int ExitCode, string Stderr, long? MillisecondsToOpen)
{
    public bool Killed => ExitCode == CrashProtocol.KilledExitCode;
}

/// <summary>
/// Runs the crash child (<c>dotnet Piecrust.CrashChild.dll</c>, built by the test project through a
/// reference without its assembly) and kills it by <see cref="KillPlan"/>. Its stdout is read on a
/// thread of its own, so that the test sees each acknowledgement as soon as it is written.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Longest a child may live; a child still running then has hung, and fails the test.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(2);

    /// <summary>The child's dll, next to its build output (the path is recorded in the test assembly by Tests.csproj).</summary>
    public static readonly string Dll = FindDll();

    private static readonly string Dotnet = FindDotnet();

    /// <summary>
    /// Starts the child with <paramref name="options"/> and ends it by <paramref name="plan"/>:
    /// <paramref name="acks"/> is the number of acknowledgements to wait for (<see cref="KillPlan.AfterAcks"/>),
    /// <paramref name="delay"/> the time to wait (<see cref="KillPlan.AfterDelay"/>). Returns once the
    /// process is gone and its output drained.
    /// </summary>
    public static ChildResult Run(ChildOptions options, KillPlan plan, int acks, TimeSpan delay)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in options.ToArguments()) start.ArgumentList.Add(arg);
        // A process that lives a second or two: instrumenting hot methods and recompiling them at tier 1
        // costs more CPU than it saves (about a fifth of a child's CPU time, measured).
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "60000";

        using var process = new Process { StartInfo = start };
        var lines = new List<string>();
        var stderr = new StringBuilder();
        using var acknowledged = new SemaphoreSlim(0);
        bool ended = false;
        var clock = Stopwatch.StartNew();
        long toOpen = -1;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        var reader = new Thread(() =>
        {
            foreach (var line in CompleteLines(process.StandardOutput))
            {
                if (line == CrashProtocol.Open) Interlocked.CompareExchange(ref toOpen, clock.ElapsedMilliseconds, -1);
                lock (lines) lines.Add(line);
                if (IsAcknowledgement(line)) acknowledged.Release();
            }
            Volatile.Write(ref ended, true);
            acknowledged.Release();
        })
        { IsBackground = true, Name = "crash child stdout" };
        reader.Start();

        bool hung = false;
        switch (plan)
        {
            case KillPlan.AfterAcks:
                for (int seen = 0; seen < acks; seen++)
                {
                    if (!acknowledged.Wait(HangLimit)) hung = true;
                    if (hung || Volatile.Read(ref ended)) break; // ended: the child is gone already
                }
                Kill(process);
                break;
            case KillPlan.AfterDelay:
                if (!process.WaitForExit(delay)) Kill(process);
                break;
            case KillPlan.Fault:
                hung = !process.WaitForExit(HangLimit);
                if (hung) Kill(process);
                break;
        }
        if (!process.WaitForExit(HangLimit))
            throw new TimeoutException($"The crash child (pid {process.Id}) did not die within {HangLimit} of SIGKILL.");
        process.WaitForExit(); // also waits until the redirected streams are drained
        reader.Join();
        if (hung)
            throw new TimeoutException($"The crash child hung: nothing happened for {HangLimit}. Its last lines:\n{string.Join("\n", lines.TakeLast(8))}\n{stderr}");
        long open = Interlocked.Read(ref toOpen);
        lock (stderr) lock (lines)
            return new ChildResult(lines.ToArray(), process.ExitCode, stderr.ToString(), open < 0 ? null : open);
    }

    /// <summary>
    /// The newline-terminated lines of <paramref name="reader"/>. A kill can cut the child's last line
    /// short; unlike <see cref="TextReader.ReadLine"/>, this drops such a fragment, which is right: a
    /// line the child did not finish writing acknowledges nothing (its operation counts as in flight).
    /// </summary>
    public static IEnumerable<string> CompleteLines(TextReader reader)
    {
        var pending = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] != '\n')
                {
                    pending.Append(buffer[i]);
                    continue;
                }
                yield return pending.ToString();
                pending.Clear();
            }
        }
    }

    /// <summary>True for the lines that report a completed operation (or the open store).</summary>
    public static bool IsAcknowledgement(string line)
    {
        string verb = line.Split(' ', 2)[0];
        return verb is CrashProtocol.Open or CrashProtocol.Committed or CrashProtocol.Deleted or CrashProtocol.Finalized
            or CrashProtocol.Released or CrashProtocol.Collected;
    }

    /// <summary>SIGKILL (<see cref="Process.Kill(bool)"/> sends it on Unix); a child that has just exited is fine.</summary>
    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited on its own meanwhile
        }
    }

    private static string FindDll()
    {
        var recorded = typeof(ChildProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "CrashChildDll")?.Value;
        if (recorded is null || !File.Exists(recorded))
            throw new FileNotFoundException(
                $"The crash child '{recorded}' is missing: build tests/Tests.csproj (it builds tests/CrashChild) in the same configuration.", recorded);
        return recorded;
    }

    // The muxer that runs this test host, so that the child runs on the same runtime.
    private static string FindDotnet()
    {
        string exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == exe) return self;
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, exe);
        return File.Exists(candidate) ? candidate : exe;
    }
}
