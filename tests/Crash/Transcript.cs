using System.Globalization;
using Piecrust.Crash;

namespace Piecrust.Tests.Crash;

/// <summary>The operation a child had begun but not acknowledged when it died.</summary>
/// <param name="Kind">The operation (<see cref="CrashProtocol.Commit"/>, <see cref="CrashProtocol.Delete"/>, …).</param>
/// <param name="Line">Its <c>begin</c> line.</param>
/// <param name="After">The model had it completed; null when it changes no live commit (a lease's release, a garbage collection).</param>
internal sealed record InFlightOperation(string Kind, string Line, CrashModel? After);

/// <summary>Folds a crash child's stdout (<see cref="CrashProtocol"/>) into the model.</summary>
internal static class Transcript
{
    /// <summary>
    /// Applies every acknowledged operation in <paramref name="lines"/> to a copy of <paramref name="model"/>;
    /// returns that copy and the operation in flight at the end, if any.
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">The lines break the protocol, or name commits the model does not hold.</exception>
    public static (CrashModel Model, InFlightOperation? InFlight) Apply(IReadOnlyList<string> lines, CrashModel model, HistoryMode history)
    {
        var current = model.Clone();
        string[]? begun = null;
        string? begunLine = null;
        foreach (var line in lines)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words[0])
                {
                    case CrashProtocol.Begin:
                        if (begun is not null) throw Broken($"'{line}' begins while '{begunLine}' is unfinished");
                        begun = words;
                        begunLine = line;
                        break;
                    case CrashProtocol.Committed or CrashProtocol.Deleted or CrashProtocol.Finalized or CrashProtocol.Released or CrashProtocol.Collected:
                        if (begun is null || CompletionOf(begun[1]) != words[0] || begun[2] != words[1])
                            throw Broken($"'{line}' does not complete '{begunLine ?? "nothing"}'");
                        Complete(current, begun, history);
                        begun = null;
                        begunLine = null;
                        break;
                    case CrashProtocol.Open or CrashProtocol.Leased or CrashProtocol.Done:
                        break;
                    default:
                        throw Broken($"unknown line '{line}'");
                }
            }
            catch (InvalidOperationException e)
            {
                throw new Xunit.Sdk.XunitException($"The model cannot follow the child at '{line}': {e.Message}");
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                throw Broken($"malformed line '{line}' ({e.Message})");
            }
        }
        if (begun is null) return (current, null);
        CrashModel? after = null;
        if (begun[1] is not (CrashProtocol.Release or CrashProtocol.Collect))
        {
            after = current.Clone();
            Complete(after, begun, history);
        }
        return (current, new InFlightOperation(begun[1], begunLine!, after));
    }

    private static void Complete(CrashModel model, string[] begun, HistoryMode history)
    {
        switch (begun[1])
        {
            case CrashProtocol.Commit:
                var root = Hash.Parse(begun[2]);
                Hash? baseRoot = begun[3] == CrashProtocol.NoBase ? null : Hash.Parse(begun[3]);
                var changes = begun.Skip(4).Select(c => c.Split('=')).ToDictionary(
                    c => ContractId.Parse(c[0]), c => ulong.Parse(c[1], CultureInfo.InvariantCulture));
                model.Commit(root, baseRoot, changes);
                break;
            case CrashProtocol.Delete:
                model.Delete([Hash.Parse(begun[2])]);
                break;
            case CrashProtocol.Finalize:
                model.Finalize(Hash.Parse(begun[2]), history);
                break;
            case CrashProtocol.Release or CrashProtocol.Collect:
                break;
            default:
                throw Broken($"unknown operation '{begun[1]}'");
        }
    }

    private static string CompletionOf(string operation) => operation switch
    {
        CrashProtocol.Commit => CrashProtocol.Committed,
        CrashProtocol.Delete => CrashProtocol.Deleted,
        CrashProtocol.Finalize => CrashProtocol.Finalized,
        CrashProtocol.Release => CrashProtocol.Released,
        CrashProtocol.Collect => CrashProtocol.Collected,
        _ => throw Broken($"unknown operation '{operation}'"),
    };

    private static Xunit.Sdk.XunitException Broken(string what) => new($"The crash child broke its protocol: {what}.");
}
