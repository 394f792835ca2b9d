namespace Piecrust.Storage;

/// <summary>What is wrong with one record of a store, as <see cref="PageStore.Check"/> reports it.</summary>
public enum StoreProblemKind
{
    /// <summary>A stored page, node or bytecode does not decode or does not hash to its key.</summary>
    CorruptObject,

    /// <summary>An object a commit (or a reachable node) references is not stored.</summary>
    MissingObject,

    /// <summary>A stored reference count differs from the count recomputed from the reachable graph.</summary>
    WrongReferenceCount,

    /// <summary>A stored object that no commit reaches (it will never be reclaimed by reference counting).</summary>
    LeakedObject,

    /// <summary>A commit record (or its key) does not decode.</summary>
    MalformedCommitRecord,

    /// <summary>A reference-count entry has a malformed key or value.</summary>
    MalformedReferenceCount,

    /// <summary>An object column holds a key that is not a 32-byte hash.</summary>
    MalformedKey,

    /// <summary>A cached compiled module does not match its checksum, or its key is malformed.</summary>
    CorruptModule,

    /// <summary>A store-wide value (format marker, commit sequence, finalized root) is missing or inconsistent, or a hint (<see cref="PageStore.ReadHint"/>) is damaged.</summary>
    BadMetadata,

    /// <summary>A tree node sits where its kind does not belong (e.g. a page-tree node under a contract-tree branch, a page tree of the wrong height).</summary>
    MisplacedNode,

    /// <summary>A contract breaks a rule of what a contract may hold (its memory length, or a memory its bytecode cannot run in).</summary>
    InvalidContract,

    /// <summary>A contract's bytecode fails the deploy-time module validation.</summary>
    InvalidBytecode,

    /// <summary>
    /// RocksDB cannot read part of the store: a block of a table file fails its checksum, a file
    /// cannot be read, or the database cannot be opened. <see cref="StoreProblem.Key"/> names the
    /// column family (or the object, or the store-wide value) concerned; what the unreadable part
    /// holds is unknown.
    /// </summary>
    UnreadableData,
}
