using Wasmtime;

namespace Piecrust.Modules;

/// <summary>The ABI's host imports by field name, and the signature each has for a pointer width.</summary>
internal static class HostImportTable
{
    public static readonly IReadOnlyDictionary<string, HostImport> ByName = new Dictionary<string, HostImport>
    {
        ["c"] = HostImport.C, ["hq"] = HostImport.Hq, ["hd"] = HostImport.Hd, ["emit"] = HostImport.Emit,
        ["feed"] = HostImport.Feed, ["caller"] = HostImport.Caller, ["callstack"] = HostImport.Callstack,
        ["limit"] = HostImport.Limit, ["spent"] = HostImport.Spent, ["panic"] = HostImport.Panic,
        ["owner"] = HostImport.Owner, ["self_id"] = HostImport.SelfId, ["hdebug"] = HostImport.Hdebug,
    };

    public static readonly int Count = ByName.Count;

    /// <summary>The import's signature for a module whose pointers are <paramref name="pointer"/> (I32 or I64).</summary>
    public static (ValueKind[] Parameters, ValueKind[] Results) Signature(HostImport import, ValueKind pointer)
    {
        const ValueKind I32 = ValueKind.Int32, I64 = ValueKind.Int64;
        return import switch
        {
            HostImport.C => ([pointer, pointer, I32, I32, I64], [I32]),
            HostImport.Hq => ([pointer, I32, I32], [I32]),
            HostImport.Hd => ([pointer, I32], [I32]),
            HostImport.Emit => ([pointer, I32, I32], []),
            HostImport.Feed => ([I32], []),
            HostImport.Caller => ([], [I32]),
            HostImport.Callstack => ([], [I32]),
            HostImport.Limit => ([], [I64]),
            HostImport.Spent => ([], [I64]),
            HostImport.Panic => ([I32], []),
            HostImport.Owner => ([pointer], [I32]),
            HostImport.SelfId => ([], []),
            HostImport.Hdebug => ([I32], []),
            _ => throw new ArgumentOutOfRangeException(nameof(import)),
        };
    }
}
