namespace Piecrust.Merkle;

/// <summary>What a state snapshot holds (returned by <see cref="StateSnapshot.Export"/> and <see cref="StateSnapshot.Import"/>).</summary>
/// <param name="Root">The state root.</param>
/// <param name="Pages">Pages in the snapshot.</param>
/// <param name="Nodes">Tree nodes in the snapshot.</param>
/// <param name="Bytecodes">Bytecodes in the snapshot.</param>
/// <param name="Bytes">Length of the snapshot in bytes, header and trailer included.</param>
public sealed record SnapshotInfo(Hash Root, long Pages, long Nodes, long Bytecodes, long Bytes)
{
    /// <summary>Objects in the snapshot.</summary>
    public long Objects => Pages + Nodes + Bytecodes;
}
