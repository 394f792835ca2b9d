namespace Piecrust.PropertyTests.Differential;

/// <summary>The test contracts built by tests/contracts/build.sh (scripts/test.sh builds them first).</summary>
internal static class TestContracts
{
    private static readonly string Out = Path.Combine(FindRoot(), "tests", "contracts", "out");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Piecrust.Store.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Piecrust.Store.sln) above the test binaries.");
    }

    /// <summary>The contract's .wasm, or its .wat converted to binary when it is a WAT module.</summary>
    public static byte[] Bytes(string name)
    {
        string wat = Path.Combine(Out, name + ".wat");
        if (File.Exists(wat)) return Wasmtime.Module.ConvertText(File.ReadAllText(wat));
        string path = Path.Combine(Out, name + ".wasm");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Test contract {path} is missing: run tests/contracts/build.sh (scripts/test.sh does).", path);
        return File.ReadAllBytes(path);
    }
}
