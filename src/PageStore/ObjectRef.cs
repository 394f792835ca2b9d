namespace Piecrust.Storage;

/// <summary>The three kinds of content-addressed object the store keeps and counts references to.</summary>
public enum ObjectKind : byte
{
    /// <summary>A 4 KiB memory page; key = BLAKE3 of its bytes.</summary>
    Page = 1,

    /// <summary>A Merkle tree node; key = the node's hash as the index layout defines it.</summary>
    Node = 2,

    /// <summary>A contract's WASM bytecode; key = BLAKE3 of the bytecode.</summary>
    Bytecode = 3,
}

/// <summary>A reference from one stored object (or commit) to another.</summary>
/// <param name="Kind">What the reference points at.</param>
/// <param name="Key">The referenced object's key.</param>
public readonly record struct ObjectRef(ObjectKind Kind, Hash Key)
{
    /// <summary>A reference to a page.</summary>
    public static ObjectRef Page(Hash key) => new(ObjectKind.Page, key);

    /// <summary>A reference to a tree node.</summary>
    public static ObjectRef Node(Hash key) => new(ObjectKind.Node, key);

    /// <summary>A reference to bytecode.</summary>
    public static ObjectRef Bytecode(Hash key) => new(ObjectKind.Bytecode, key);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Key}";
}
