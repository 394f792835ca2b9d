using System.Diagnostics;
using Piecrust.Storage;

namespace Piecrust.Crash;

/// <summary>
/// Entry point of the crash child: parses <see cref="ChildOptions"/>, arms the fault injector, runs
/// the <see cref="Workload"/> and reports through <see cref="CrashProtocol"/> lines on stdout.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        ChildOptions options;
        try
        {
            options = ChildOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"usage error: {e.Message}");
            return CrashProtocol.UsageExitCode;
        }
        if (options.Fault is { } fault) ArmFault(fault.Point, fault.Occurrence);
        try
        {
            new Workload(options, Console.Out).Run();
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return CrashProtocol.FailedExitCode;
        }
    }

    /// <summary>
    /// Sets <see cref="PageStore.FaultInjector"/> to kill this process the <paramref name="occurrence"/>-th
    /// time <paramref name="point"/> is reached.
    /// </summary>
    private static void ArmFault(StoreFault point, int occurrence)
    {
        int seen = 0;
        PageStore.FaultInjector = reached =>
        {
            if (reached == point && Interlocked.Increment(ref seen) == occurrence) KillSelf();
        };
    }

    /// <summary>
    /// Dies at once by SIGKILL to itself, as a power cut or the OOM killer would stop a node: no
    /// finally block, finalizer or RocksDB shutdown runs (unlike <see cref="Environment.Exit(int)"/>,
    /// and unlike <see cref="Environment.FailFast(string)"/>, which writes a report and aborts with
    /// SIGABRT). What the process already wrote to stdout stays readable in the pipe.
    /// </summary>
    private static void KillSelf()
    {
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill(); // kill(getpid(), SIGKILL) on Unix
        Thread.Sleep(Timeout.Infinite);     // never reached: the signal is fatal
    }
}
