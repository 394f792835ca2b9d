using Piecrust.Storage;
using Spectre.Console;

namespace Piecrust.Tools;

/// <summary>Runs a maintenance operation under a Spectre progress bar fed by its <see cref="MaintenanceProgress"/> reports.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(IAnsiConsole console, string title, Func<IProgress<MaintenanceProgress>, T> work)
    {
        // Redirected output (scripts, logs) gets no bar: Spectre's fallback would print a lone first frame.
        if (!console.Profile.Capabilities.Interactive)
            return work(new Progress<MaintenanceProgress>());
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(title);
                result = work(new TaskProgress(task, title));
                task.IsIndeterminate = false;
                task.Description = $"{title}: done";
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }

    // Reports arrive on the working thread; ProgressTask is thread-safe against the render thread.
    private sealed class TaskProgress(ProgressTask task, string title) : IProgress<MaintenanceProgress>
    {
        public void Report(MaintenanceProgress value)
        {
            task.Description = $"{title}: {value.Phase}";
            if (value.Total > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = value.Total;
                task.Value = Math.Min(value.Done, value.Total);
            }
            else
            {
                task.IsIndeterminate = true;
            }
        }
    }
}
