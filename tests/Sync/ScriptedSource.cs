using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tests.Sync;

/// <summary>
/// A sync source over another one that records what is asked, can fail after a number of requests
/// (an interrupted transfer), and can alter the objects it returns (a tampering peer).
/// </summary>
internal sealed class ScriptedSource(ISyncSource inner) : ISyncSource
{
    public List<ObjectRef> Asked { get; } = [];

    public int Requests { get; private set; }

    /// <summary>Requests served before every further one fails; unlimited when null.</summary>
    public int? FailAfter { get; init; }

    /// <summary>Returns the bytes to send for an object (given the true ones), or null to send them unchanged.</summary>
    public Func<ObjectRef, byte[], byte[]?>? Tamper { get; init; }

    /// <summary>Called before each request is served, with the number served so far.</summary>
    public Action<int>? BeforeServing { get; init; }

    public int MaxBatch => inner.MaxBatch;

    public IReadOnlyList<CommitInfo> GetCommits() => inner.GetCommits();

    public IReadOnlyList<byte[]> GetObjects(IReadOnlyList<ObjectRef> objects)
    {
        if (Requests >= FailAfter) throw new SyncSourceException("The connection dropped (scripted).");
        BeforeServing?.Invoke(Requests);
        Requests++;
        Asked.AddRange(objects);
        var answer = inner.GetObjects(objects).ToArray();
        if (Tamper is not null)
            for (int i = 0; i < answer.Length; i++)
                answer[i] = Tamper(objects[i], answer[i]) ?? answer[i];
        return answer;
    }
}
