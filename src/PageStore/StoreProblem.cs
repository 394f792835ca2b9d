namespace Piecrust.Storage;

/// <summary>One problem <see cref="PageStore.Check"/> found.</summary>
/// <param name="Kind">What kind of problem it is.</param>
/// <param name="Key">The key concerned as lowercase hex (an object key, a commit root, or a raw RocksDB key for malformed entries); for <see cref="StoreProblemKind.UnreadableData"/> in a column rather than an object, the column family's name.</param>
/// <param name="Object">The object concerned, when the problem is about a page, node or bytecode.</param>
/// <param name="Message">A sentence saying what is wrong, naming the key.</param>
public sealed record StoreProblem(StoreProblemKind Kind, string Key, ObjectRef? Object, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Message}";
}
