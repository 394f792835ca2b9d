using System.Collections.Concurrent;

namespace Piecrust.PropertyTests.Machine;

/// <summary>What one machine's runs did: operations by type with their time, and calls by function and outcome. Thread-safe.</summary>
internal sealed class Statistics
{
    private readonly ConcurrentDictionary<string, (long Count, TimeSpan Time)> _operations = new();
    private readonly ConcurrentDictionary<string, long> _calls = new();

    public long Operations => _operations.Where(e => !e.Key.StartsWith('(')).Sum(e => e.Value.Count);

    public void Executed(string operation, TimeSpan time) =>
        _operations.AddOrUpdate(operation, (1, time), (_, v) => (v.Count + 1, v.Time + time));

    public void Called(string what) => _calls.AddOrUpdate(what, 1, (_, n) => n + 1);

    public IEnumerable<string> Report()
    {
        foreach (var (name, (count, time)) in _operations.OrderBy(e => e.Key, StringComparer.Ordinal))
            yield return $"  {name,-12} {count,7} × {time.TotalMilliseconds / count,7:F2} ms = {time.TotalSeconds,6:F1} s";
        yield return "top-level calls by function and outcome (callcenter: the nested call's code):";
        foreach (var (what, count) in _calls.OrderBy(e => e.Key, StringComparer.Ordinal))
            yield return $"  {count,7}  {what}";
    }
}
