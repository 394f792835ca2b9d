using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>What kind of place an object holds in a state's trees.</summary>
internal enum PlaceKind : byte
{
    ContractNode,
    PageBranch,
    Page,
    Bytecode,
}

/// <summary>
/// Where an object sits in a state (which decides what it may be): a contract-tree node at a depth
/// and id path, a page-tree branch of a level, a page, or bytecode. Two references to one object
/// must agree on its place; a valid state never puts one contract-tree node in two places.
/// </summary>
/// <param name="Kind">The kind of place.</param>
/// <param name="Level">A contract-tree node's depth, or a page-tree branch's level.</param>
/// <param name="Path">A contract-tree node's id path: the bits that lead to it (bits from <paramref name="Level"/> on are zero).</param>
/// <param name="Sole">A contract-tree node that is its branch's only child (so it cannot be a leaf: the tree would not be canonical).</param>
internal readonly record struct StatePlace(PlaceKind Kind, int Level, Hash Path, bool Sole)
{
    /// <summary>The root of a state: the contract tree at depth 0.</summary>
    public static readonly StatePlace Root = new(PlaceKind.ContractNode, 0, Hash.Zero, false);

    public static readonly StatePlace Page = new(PlaceKind.Page, 0, Hash.Zero, false);

    public static readonly StatePlace Bytecode = new(PlaceKind.Bytecode, 0, Hash.Zero, false);

    public static StatePlace PageBranch(int level) => new(PlaceKind.PageBranch, level, Hash.Zero, false);

    /// <summary>The place of a contract-tree branch's child on side <paramref name="right"/>.</summary>
    public StatePlace ContractChild(bool right, bool sole)
    {
        Span<byte> path = stackalloc byte[Hash.Size];
        Path.CopyTo(path);
        if (right) path[Level >> 3] |= (byte)(0x80 >> (Level & 7));
        return new StatePlace(PlaceKind.ContractNode, Level + 1, Hash.FromBytes(path), sole);
    }

    public override string ToString() => Kind switch
    {
        PlaceKind.ContractNode => $"a contract-tree node at depth {Level}",
        PlaceKind.PageBranch => $"a page-tree branch of level {Level}",
        PlaceKind.Page => "a page",
        _ => "bytecode",
    };
}
