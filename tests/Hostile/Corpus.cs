using System.Collections.Concurrent;
using Xunit;

namespace Piecrust.Tests.Hostile;

/// <summary>
/// Bookkeeping for the hostile-input tests: how many inputs each category tried and how they
/// ended, and the one rule every input obeys: a typed <see cref="PiecrustException"/> (or, where
/// the input turns out harmless, success), never anything else.
/// </summary>
internal static class Corpus
{
    private static readonly ConcurrentDictionary<string, int> Tried = new();

    /// <summary>Inputs tried per category so far in this test run.</summary>
    public static IReadOnlyDictionary<string, int> Counts => Tried;

    public static void Count(string category, int inputs = 1) => Tried.AddOrUpdate(category, inputs, (_, n) => n + inputs);

    /// <summary>Runs <paramref name="action"/>, which must throw a typed engine error; returns it.</summary>
    public static T Fails<T>(Action action, string input) where T : PiecrustException
    {
        var error = Outcome(action, input) ?? throw new Xunit.Sdk.XunitException($"{input}: succeeded, expected {typeof(T).Name}");
        return error as T ?? throw new Xunit.Sdk.XunitException($"{input}: threw {error.GetType().Name} ({error.Message}), expected {typeof(T).Name}");
    }

    /// <summary>Runs <paramref name="action"/>: null when it succeeds, the typed engine error it threw otherwise; anything untyped fails the test.</summary>
    public static PiecrustException? Outcome(Action action, string input)
    {
        try
        {
            action();
            return null;
        }
        catch (PiecrustException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{input}: {e.GetType().Name} without a message");
            return e;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{input}: untyped {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
        }
    }
}
