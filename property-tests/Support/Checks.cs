using FsCheck;
using FsCheck.Fluent;

namespace Piecrust.PropertyTests.Support;

/// <summary>
/// Collects the failed expectations of one test case so a counterexample reports all of them at
/// once (the FsCheck label), and turns them into a <see cref="Property"/>.
/// </summary>
public sealed class Checks
{
    private readonly List<string> _failures = new();

    /// <summary>Number of expectations checked so far.</summary>
    public int Count { get; private set; }

    /// <summary>Records a failure (described lazily) when <paramref name="condition"/> is false.</summary>
    public void That(bool condition, Func<string> describe)
    {
        Count++;
        if (!condition && _failures.Count < 20) _failures.Add(describe());
    }

    /// <summary>Records a failure when the two values differ.</summary>
    public void Equal<T>(T expected, T actual, string what)
    {
        Count++;
        if (!EqualityComparer<T>.Default.Equals(expected, actual) && _failures.Count < 20)
            _failures.Add($"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    /// <summary>Records a failure when the two sequences differ, naming the first difference.</summary>
    public void SequenceEqual<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what)
    {
        Count++;
        var e = expected.ToArray();
        var a = actual.ToArray();
        if (e.SequenceEqual(a) || _failures.Count >= 20) return;
        int i = 0;
        while (i < e.Length && i < a.Length && EqualityComparer<T>.Default.Equals(e[i], a[i])) i++;
        string first = i < e.Length && i < a.Length ? $"expected {e[i]}, got {a[i]}"
            : i < e.Length ? $"missing {e[i]}" : $"extra {a[i]}";
        _failures.Add($"{what}: {e.Length} expected, {a.Length} actual; first difference at {i}: {first}");
    }

    /// <summary>Records a failure when the two sets differ, listing a few elements on each side.</summary>
    public void SetEqual<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what)
    {
        Count++;
        var e = expected.ToHashSet();
        var a = actual.ToHashSet();
        if (e.SetEquals(a) || _failures.Count >= 20) return;
        var missing = e.Except(a).Take(3).ToArray();
        var extra = a.Except(e).Take(3).ToArray();
        _failures.Add($"{what}: {e.Count} expected, {a.Count} actual; missing [{string.Join(", ", missing)}]; extra [{string.Join(", ", extra)}]");
    }

    private static string Show<T>(T value) => value?.ToString() ?? "none";

    /// <summary>True when nothing failed.</summary>
    public bool Passed => _failures.Count == 0;

    /// <summary>The case's property: true when nothing failed, labelled with every failure.</summary>
    public Property ToProperty() =>
        Passed.Label(Passed ? $"{Count} checks passed" : string.Join(Environment.NewLine, _failures));
}
