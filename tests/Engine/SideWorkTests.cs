using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Work a commit hands to another core while its batch is written (<see cref="SideWork{T}"/>).</summary>
public sealed class SideWorkTests
{
    [Fact]
    public void The_result_is_the_works_run_once_and_its_failure_keeps_its_type()
    {
        int runs = 0;
        var side = SideWork<int>.Start(() =>
        {
            Interlocked.Increment(ref runs);
            return 42;
        });
        Assert.Equal(42, side.Result());
        side.Run(); // a pool thread that comes late does not run it again
        Assert.Equal(1, runs);

        var failing = SideWork<int>.Start(() => throw new StoreIOException("disk gone"));
        Assert.Equal("disk gone", Assert.Throws<StoreIOException>(() => failing.Result()).Message);
    }

    [Fact]
    public async Task Work_no_other_thread_has_started_runs_on_the_caller_which_never_waits_for_one()
    {
        // A queue that never runs it, as a starved pool would not for a long time.
        var never = SideWork<int>.Start(() => Environment.CurrentManagedThreadId, _ => { });
        Assert.Equal(Environment.CurrentManagedThreadId, never.Result());

        // Started elsewhere: the caller waits for it to end and gets its result.
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Thread? other = null;
        var elsewhere = SideWork<int>.Start(() =>
        {
            started.Set();
            release.Wait();
            return Environment.CurrentManagedThreadId;
        }, side =>
        {
            other = new Thread(side.Run);
            other.Start();
        });
        started.Wait();
        var result = Task.Run(elsewhere.Result);
        Assert.False(result.IsCompleted); // it cannot end before the work does
        release.Set();
        Assert.Equal(other!.ManagedThreadId, await result);
        other.Join();
    }
}
