using System.Collections.Concurrent;

namespace Piecrust.PropertyTests;

/// <summary>
/// The test contracts built by tests/contracts/build.sh, found like tests/Engine/Contracts.cs finds
/// them: walk up from the test binaries to Piecrust.Store.sln, then tests/contracts/out.
/// </summary>
internal static class ContractFiles
{
    private static readonly ConcurrentDictionary<string, byte[]> Files = new();
    private static readonly ConcurrentDictionary<string, ulong> ArgumentBuffers = new();

    public static readonly string Root = FindRoot();

    private static string Out => Path.Combine(Root, "tests", "contracts", "out");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Piecrust.Store.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Piecrust.Store.sln) above the test binaries.");
    }

    /// <summary>Bytecode of a built contract (<c>counter</c>, <c>counter64</c>…); cached, never modify the array.</summary>
    public static byte[] Bytes(string name) => Files.GetOrAdd(name, n =>
    {
        string path = Path.Combine(Out, n + ".wasm");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Test contract {path} is missing: run tests/contracts/build.sh (scripts/test.sh does).", path);
        return File.ReadAllBytes(path);
    });

    /// <summary>Address of the 64 KiB argument buffer: the value of the contract's exported global <c>A</c>.</summary>
    public static ulong ArgumentBuffer(string name) => ArgumentBuffers.GetOrAdd(name, n => ExportedGlobal(Bytes(n), "A"));

    /// <summary>
    /// The constant initial value of an exported global, read straight from the module's import,
    /// global and export sections (enough of the binary format for the C test contracts).
    /// </summary>
    internal static ulong ExportedGlobal(byte[] wasm, string exportName)
    {
        int pos = 8, importedGlobals = 0;
        var globals = new List<ulong>();
        int? index = null;
        while (pos < wasm.Length)
        {
            byte id = wasm[pos++];
            int size = (int)Leb(wasm, ref pos);
            int end = pos + size;
            switch (id)
            {
                case 2: // imports
                    for (ulong count = Leb(wasm, ref pos); count > 0; count--)
                    {
                        Name(wasm, ref pos);
                        Name(wasm, ref pos);
                        byte kind = wasm[pos++];
                        switch (kind)
                        {
                            case 0: Leb(wasm, ref pos); break;
                            case 1: pos++; Limits(wasm, ref pos); break;
                            case 2: Limits(wasm, ref pos); break;
                            case 3: pos += 2; importedGlobals++; break;
                            default: throw new InvalidDataException($"import kind {kind}");
                        }
                    }
                    break;
                case 6: // globals
                    for (ulong count = Leb(wasm, ref pos); count > 0; count--)
                    {
                        pos += 2; // value type, mutability
                        byte op = wasm[pos++];
                        if (op is not (0x41 or 0x42)) throw new InvalidDataException($"global init opcode {op:x2}");
                        globals.Add((ulong)SignedLeb(wasm, ref pos));
                        if (wasm[pos++] != 0x0B) throw new InvalidDataException("global init expression does not end");
                    }
                    break;
                case 7: // exports
                    for (ulong count = Leb(wasm, ref pos); count > 0; count--)
                    {
                        string name = Name(wasm, ref pos);
                        byte kind = wasm[pos++];
                        int idx = (int)Leb(wasm, ref pos);
                        if (kind == 3 && name == exportName) index = idx;
                    }
                    break;
            }
            pos = end;
        }
        if (index is not { } i) throw new InvalidDataException($"no exported global '{exportName}'");
        return globals[i - importedGlobals];
    }

    private static void Limits(byte[] wasm, ref int pos)
    {
        byte flags = wasm[pos++];
        Leb(wasm, ref pos);
        if ((flags & 1) != 0) Leb(wasm, ref pos);
    }

    private static string Name(byte[] wasm, ref int pos)
    {
        int length = (int)Leb(wasm, ref pos);
        string name = System.Text.Encoding.UTF8.GetString(wasm, pos, length);
        pos += length;
        return name;
    }

    private static ulong Leb(byte[] wasm, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = wasm[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
    }

    private static long SignedLeb(byte[] wasm, ref int pos)
    {
        long result = 0;
        int shift = 0;
        byte b;
        do
        {
            b = wasm[pos++];
            result |= (long)(b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
        return result;
    }
}
