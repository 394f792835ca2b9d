namespace Piecrust.Wasm;

/// <summary>
/// Instructions found in the code that change instance state other than linear memory contents and
/// locals: the host needs to know about them to reset or snapshot an instance correctly.
/// </summary>
[Flags]
internal enum WasmStateOps : uint
{
    None = 0,
    TableSet = 1 << 0,
    TableGrow = 1 << 1,
    TableFill = 1 << 2,
    TableCopy = 1 << 3,
    TableInit = 1 << 4,
    ElemDrop = 1 << 5,
    MemoryInit = 1 << 6,
    DataDrop = 1 << 7,
    GlobalSet = 1 << 8,
    MemoryGrow = 1 << 9,

    /// <summary>Everything that changes a table's contents, size, or the element segments.</summary>
    TableMutations = TableSet | TableGrow | TableFill | TableCopy | TableInit | ElemDrop,

    /// <summary>Everything that reads or drops passive data segments.</summary>
    PassiveData = MemoryInit | DataDrop,
}
