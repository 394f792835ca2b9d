namespace Piecrust.Storage;

/// <summary>The RocksDB column families of a store, one per kind of record.</summary>
internal enum StoreColumn
{
    /// <summary>Page key → encoded page (<see cref="BlobCodec"/>).</summary>
    Pages,
    /// <summary>Node key → node bytes (format owned by the index layout).</summary>
    Nodes,
    /// <summary>Bytecode hash → encoded bytecode.</summary>
    Bytecode,
    /// <summary>Bytecode hash ‖ engine fingerprint → checksum ‖ compiled module.</summary>
    Modules,
    /// <summary>State root → commit record.</summary>
    Commits,
    /// <summary>Kind byte ‖ object key → reference count (u64 LE).</summary>
    Refs,
    /// <summary>Named store-wide values (format version, commit sequence, finalized root).</summary>
    Meta,
    /// <summary>
    /// Commit sequence (u64 big-endian) → the references that commit added to objects already
    /// stored, not yet applied to <see cref="Refs"/> (<see cref="CountJournal"/>).
    /// </summary>
    Increments,
    /// <summary>
    /// Kind byte ‖ object key → nothing: objects an unfinished import (<see cref="ObjectImport"/>) wrote
    /// that no node or commit references yet. Each pin holds one reference to its object, so counts
    /// stay exact while an import is under way; gc releases the pins of an abandoned import.
    /// </summary>
    Pins,
}

internal static class StoreColumns
{
    public static readonly StoreColumn[] All = Enum.GetValues<StoreColumn>();

    public static string Name(StoreColumn column) => column.ToString().ToLowerInvariant();

    public static StoreColumn ColumnOf(ObjectKind kind) => kind switch
    {
        ObjectKind.Page => StoreColumn.Pages,
        ObjectKind.Node => StoreColumn.Nodes,
        ObjectKind.Bytecode => StoreColumn.Bytecode,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
