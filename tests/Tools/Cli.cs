using System.Text.RegularExpressions;
using Piecrust.Tools;
using Spectre.Console;

namespace Piecrust.Tests.Tools;

/// <summary>Runs the piecrust CLI in-process on a recording console, in a temporary working folder with its own store.</summary>
internal sealed class Cli : IDisposable
{
    /// <summary>Creates the folder and, when <paramref name="init"/>, runs <c>piecrust init</c> on the store.</summary>
    public Cli(bool init = true)
    {
        Folder = Storage.StoreFixture.TempDirectory();
        Directory.CreateDirectory(Folder);
        Store = Path.Combine(Folder, "store");
        if (init) Run("init").AssertOk();
    }

    /// <summary>A temporary folder for files; deleted on dispose.</summary>
    public string Folder { get; }

    /// <summary>The store directory passed with --store (not created until a command does).</summary>
    public string Store { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Runs the CLI with <c>--store</c> set to <see cref="Store"/> (given before the command, as users do).</summary>
    public Result Run(params string[] args) => RunRaw(["--store", Store, .. args]);

    /// <summary>Runs the CLI with exactly these arguments.</summary>
    public static Result RunRaw(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 250;
        int code = PiecrustCli.Run(args, console);
        return new Result(code, writer.ToString());
    }

    /// <summary>Deploys the demo counter (WAT) and returns its id and the new root.</summary>
    public (ContractId Id, Hash Root) DeployCounter(params string[] extra)
    {
        string wat = PathOf("counter.wat");
        File.WriteAllText(wat, DemoContract.Wat());
        var result = Run(["deploy", wat, "--owner", "0102", .. extra]);
        result.AssertOk();
        return (ContractId.Parse(result.Field("contract")), Hash.Parse(result.Field("root")));
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }

    public sealed record Result(int Code, string Output)
    {
        public void AssertOk() => Xunit.Assert.True(Code == 0, $"exit {Code}:\n{Output}");

        /// <summary>Asserts exit code 1 and a single "error:" line containing <paramref name="fragment"/>.</summary>
        public void AssertError(string fragment)
        {
            Xunit.Assert.True(Code == ExitCodes.Error, $"expected exit 1, got {Code}:\n{Output}");
            var line = Xunit.Assert.Single(Lines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Xunit.Assert.Contains(fragment, line);
            Xunit.Assert.DoesNotContain("   at ", Output); // never a stack trace
        }

        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>The value printed after a label at the start of a line ("root  abc…" or "root abc…").</summary>
        public string Field(string label)
        {
            foreach (var line in Lines)
            {
                var match = FieldPattern.Match(line);
                if (match.Success && match.Groups[1].Value == label) return match.Groups[2].Value;
            }
            throw new Xunit.Sdk.XunitException($"No '{label}' line in:\n{Output}");
        }

        private static readonly Regex FieldPattern = new(@"^[│|]?\s*([a-z][a-z -]*?)\s*[│|]?\s+([0-9a-f]{64})\b");
    }
}
