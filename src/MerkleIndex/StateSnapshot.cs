using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// Self-contained snapshots of one state: every node, page and bytecode its root reaches, once each,
/// so that another store (possibly empty) can take the state in with nothing else.
/// </summary>
/// <remarks>
/// <para>Format, version 1 (integers little-endian):</para>
/// <code>
/// header   magic "PCSNAPSH" (8 bytes ASCII) ‖ version u8 = 1 ‖ flags u8 (bit 0: the root is a stored node) ‖ root (32 bytes)
/// record*  kind u8 (1 page, 2 node, 3 bytecode — ObjectKind) ‖ length u32 ‖ the object's bytes
/// trailer  0xFF ‖ record count u64 ‖ BLAKE3-256 of every byte before this hash (header, records, 0xFF and count)
/// </code>
/// <para>
/// Objects are stored decoded (a page is its 4096 bytes, bytecode its WASM bytes, a node its stored
/// form), so each one's key is recomputed from its bytes on import: a page's and bytecode's key is
/// BLAKE3 of the bytes, a node's is <see cref="NodeLayout.KeyOf"/>. Records come in depth-first
/// order from the root, parents before children: every record but the root's follows one that
/// references it. The zero page never appears. Nothing may follow the trailer. Compress the file
/// for transport if size matters: sparse pages are stored whole.
/// </para>
/// <para>
/// The state with no contracts has flag 0, the root <see cref="Domain.EmptyState"/> and no records.
/// </para>
/// </remarks>
public static class StateSnapshot
{
    /// <summary>The 8 magic bytes a snapshot starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "PCSNAPSH"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const byte Version = 1;

    internal const byte RootIsNode = 1;
    internal const byte TrailerTag = 0xFF;
    /// <summary>Length of the header: magic, version, flags, root.</summary>
    public const int HeaderLength = 8 + 1 + 1 + Hash.Size;

    /// <summary>Length of the trailer: tag, record count, BLAKE3 hash.</summary>
    public const int TrailerLength = 1 + 8 + Hash.Size;

    /// <summary>Largest node record: a contract leaf with a 65535-byte owner.</summary>
    internal const int MaxNodeLength = 1 + 3 * Hash.Size + 8 + 1 + 2 + ushort.MaxValue;

    /// <summary>
    /// Writes a snapshot of the live commit <paramref name="root"/> to <paramref name="output"/>.
    /// The commit is leased while it is written, so deleting it meanwhile does not disturb the export.
    /// Every object is read verified; on an error the output holds a partial snapshot that
    /// <see cref="Import"/> rejects (the caller should delete it).
    /// </summary>
    /// <exception cref="CommitNotFoundException">No live commit has this root.</exception>
    /// <exception cref="CorruptStoreException">An object of the state is missing or corrupt.</exception>
    public static SnapshotInfo Export(PageStore store, Hash root, Stream output, IProgress<MaintenanceProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(output);
        using var lease = store.Lease(root);
        return new SnapshotExporter(store, output, progress).Write(root);
    }

    /// <summary>
    /// Reads a snapshot from <paramref name="input"/> into <paramref name="store"/> and returns what it
    /// held; its root is then a live commit of the store (with no parent). Everything is verified before
    /// anything is written: each object's key from its bytes, the trailer's count and hash, nothing
    /// after the trailer, the completeness of the graph (every object the root reaches is in the
    /// snapshot or already in the store; every record is referenced by one before it), and what the
    /// state means: every node fits its place (<see cref="ContractRules"/> for leaves, page trees of
    /// exactly their width's height, so no page lies beyond the width's maximum size; pages beyond a
    /// memory's current length are legal), and every bytecode passes <paramref name="validator"/>
    /// and fits the memories of the contracts using it. The commit is then written in one atomic
    /// batch. Importing a state that is already a live commit changes nothing.
    /// </summary>
    /// <remarks>
    /// The input is read as a stream, record by record, each against a cap for its kind (a page is
    /// 4096 bytes, a node at most <c>MaxNodeLength</c>, bytecode at most the validator's <see cref="IBytecodeValidator.MaxBytecodeLength"/>);
    /// a record is checked when it arrives, so garbage or an oversized record is refused at once,
    /// having staged only valid objects. The valid objects are staged in memory until the single
    /// commit batch: memory use grows with the valid state (a bounded-memory import would write
    /// verified objects in batches and commit the root last).
    /// </remarks>
    /// <exception cref="InvalidSnapshotException">The snapshot is truncated, tampered with, incomplete, breaks a rule of what a state may hold, or is not a snapshot (nothing is written).</exception>
    /// <exception cref="CorruptStoreException">An object of the store the snapshot relies on is corrupt (nothing is written).</exception>
    public static SnapshotInfo Import(PageStore store, Stream input, IBytecodeValidator validator, IProgress<MaintenanceProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(validator);
        if (store.Layout is not NodeLayout) throw new ArgumentException("The store must be opened with NodeLayout.Instance.", nameof(store));
        return new SnapshotImporter(store, input, validator, progress).Read();
    }

    /// <summary>True when a stored node may be the root of a state (a contract-tree branch or leaf).</summary>
    internal static bool IsStateNode(ReadOnlySpan<byte> node) =>
        node.Length > 0 && node[0] is NodeFormat.ContractBranch or NodeFormat.ContractLeafNode;
}
