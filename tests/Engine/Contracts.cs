namespace Piecrust.Tests.Engine;

/// <summary>The test contracts built by tests/contracts/build.sh, and the shared uplink fixtures.</summary>
internal static class Contracts
{
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Piecrust.Store.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Piecrust.Store.sln) above the test binaries.");
    }

    private static string Out => Path.Combine(Root, "tests", "contracts", "out");

    /// <summary>Bytecode of a built contract (<c>counter</c>, <c>counter64</c>…) or a WAT module (<c>noop.wat</c>), compiled to binary.</summary>
    public static byte[] Bytes(string name)
    {
        if (name.EndsWith(".wat", StringComparison.Ordinal)) return Wat(File.ReadAllText(Path.Combine(Out, name)));
        string path = Path.Combine(Out, name + ".wasm");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Test contract {path} is missing: run tests/contracts/build.sh (scripts/test.sh does).", path);
        return File.ReadAllBytes(path);
    }

    /// <summary>A WAT text module as binary.</summary>
    public static byte[] Wat(string text) => Wasmtime.Module.ConvertText(text);

    /// <summary>A real uplink contract from tests/fixtures/uplink, checked against the pinned SHA-256 first.</summary>
    public static byte[] Uplink(string name)
    {
        string directory = Path.Combine(Root, "tests", "fixtures", "uplink");
        var bytes = File.ReadAllBytes(Path.Combine(directory, name + ".wasm"));
        string expected = File.ReadLines(Path.Combine(directory, "SHA256SUMS"))
            .Select(line => line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .Single(parts => parts[1].TrimStart('*', ' ') == name + ".wasm")[0];
        string actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (actual != expected) throw new InvalidDataException($"{name}.wasm does not match its pinned SHA-256 ({actual} != {expected}).");
        return bytes;
    }

    public static readonly byte[] Owner = [1, 2, 3, 4];

    public const ulong Gas = 10_000_000;

    public static ContractId Deploy(Session session, string name, byte[]? initArg = null, ulong gas = Gas) =>
        session.Deploy(Bytes(name), new ContractData(Owner, initArg ?? default), gas);

    public static byte[] Le(ulong value) => BitConverter.GetBytes(value);
    public static byte[] Le(uint value) => BitConverter.GetBytes(value);
    public static byte[] Le(int value) => BitConverter.GetBytes(value);
    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
