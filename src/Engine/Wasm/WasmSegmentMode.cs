namespace Piecrust.Wasm;

/// <summary>How an element or data segment is used.</summary>
internal enum WasmSegmentMode
{
    /// <summary>Copied into a table or memory at instantiation.</summary>
    Active,

    /// <summary>Kept for <c>table.init</c> / <c>memory.init</c> at run time.</summary>
    Passive,

    /// <summary>Element segments only: declares functions for <c>ref.func</c>, never copied.</summary>
    Declarative,
}
