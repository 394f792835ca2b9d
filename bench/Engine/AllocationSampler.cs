using System.Diagnostics.Tracing;

namespace Piecrust.Bench.Engine;

/// <summary>
/// Which types a stretch of code allocates most, from the runtime's own sampling: it reports the
/// type of the object that crossed each ~100 KB of allocation (GCAllocationTick), so the counts are
/// in proportion to the bytes each type took. Counts only while <see cref="On"/>.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _samples = new();

    /// <summary>Whether samples are counted now.</summary>
    public volatile bool On;

    /// <summary>The types sampled most, with their sample counts (each ~100 KB allocated).</summary>
    public IReadOnlyList<(string Type, long Samples)> Top(int count)
    {
        lock (_samples) return _samples.OrderByDescending(s => s.Value).Take(count).Select(s => (s.Key, s.Value)).ToList();
    }

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!On || e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || e.PayloadNames is null) return;
        int at = e.PayloadNames.IndexOf("TypeName");
        string type = at >= 0 && e.Payload?[at] is string name ? name : "(unknown)";
        lock (_samples) _samples[type] = _samples.GetValueOrDefault(type) + 1;
    }
}
