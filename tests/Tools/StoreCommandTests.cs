using Xunit;

namespace Piecrust.Tests.Tools;

public sealed class StoreCommandTests
{
    [Fact]
    public void Init_creates_a_store_once_and_refuses_a_foreign_directory()
    {
        using var cli = new Cli(init: false);
        var first = cli.Run("init");
        first.AssertOk();
        Assert.Contains("created store at", first.Output);
        Assert.True(VM.StoreExists(cli.Store));

        var again = cli.Run("init");
        again.AssertOk();
        Assert.Contains("already exists", again.Output);

        string foreign = cli.PathOf("foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        Cli.RunRaw("init", "--store", foreign).AssertError("is not a store");
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(foreign).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("commits")]
    [InlineData("stats")]
    [InlineData("fsck")]
    [InlineData("gc")]
    public void Commands_on_a_missing_store_fail_without_creating_it(string command)
    {
        using var cli = new Cli(init: false);
        cli.Run(command).AssertError("No store at");
        Assert.False(Directory.Exists(cli.Store));
    }

    [Fact]
    public void Commits_lists_sequence_root_parent_and_the_finalized_mark()
    {
        using var cli = new Cli();
        Assert.Contains("no commits", cli.Run("commits").Output);

        var (id, first) = cli.DeployCounter();
        var second = Hash.Parse(cli.Run("call", id.ToString(), "increment", "--commit").Field("root"));
        cli.Run("finalize", second.ToString()).AssertOk();

        var listing = cli.Run("commits");
        listing.AssertOk();
        var firstRow = Assert.Single(listing.Lines, l => l.Contains(first.ToString()));
        var secondRow = Assert.Single(listing.Lines, l => l.Contains(second.ToString()));
        Assert.StartsWith("│ 0", firstRow);
        Assert.StartsWith("│ 1", secondRow);
        Assert.Contains(first.ToString()[..12], secondRow); // the parent, shortened
        Assert.Contains("✔", secondRow);
        Assert.DoesNotContain("✔", firstRow);
    }

    [Fact]
    public void Show_lists_the_contracts_of_a_commit()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        var show = cli.Run("show", root.ToString());
        show.AssertOk();
        Assert.Contains($"contract {id}", show.Output);
        Assert.Contains("0102", show.Output); // owner
        Assert.Contains("131,072 bytes", show.Output); // two wasm pages
        Assert.Contains("1 of 32", show.Output); // the counter's page is the only non-zero one
        Assert.Contains(Hash.Of(Piecrust.Tools.DemoContract.Bytecode()).ToString(), show.Output);
    }

    [Fact]
    public void Show_rejects_an_unknown_or_malformed_root()
    {
        using var cli = new Cli();
        cli.DeployCounter();
        cli.Run("show", Hash.Of([1]).ToString()).AssertError("No commit with root");
        cli.Run("show", "xyz").AssertError("not a 32-byte hash");
    }

    [Fact]
    public void Delete_removes_a_commit_and_rejects_an_unknown_one()
    {
        using var cli = new Cli();
        var (id, first) = cli.DeployCounter();
        var second = Hash.Parse(cli.Run("call", id.ToString(), "increment", "--commit").Field("root"));

        cli.Run("delete", first.ToString()).AssertOk();
        var listing = cli.Run("commits").Output;
        Assert.DoesNotContain(first.ToString(), listing);
        Assert.Contains(second.ToString(), listing);
        cli.Run("delete", first.ToString()).AssertError("No commit with root");
        cli.Run("fsck").AssertOk();
    }

    [Fact]
    public void Finalize_rejects_an_unknown_root()
    {
        using var cli = new Cli();
        cli.DeployCounter();
        cli.Run("finalize", Hash.Of([2]).ToString()).AssertError("No commit with root");
    }

    [Fact]
    public void A_store_held_by_another_vm_is_reported_as_locked()
    {
        using var cli = new Cli();
        using var holder = VM.Open(cli.Store);
        cli.Run("commits").AssertError("in use");
    }

    [Fact]
    public void Store_may_be_given_before_or_after_the_command()
    {
        using var cli = new Cli();
        Cli.RunRaw("commits", "--store", cli.Store).AssertOk();
        Cli.RunRaw($"--store={cli.Store}", "commits").AssertOk();
    }

    [Fact]
    public void Unknown_commands_and_missing_arguments_are_one_line_errors()
    {
        Cli.RunRaw("frobnicate").AssertError("Unknown command");
        Cli.RunRaw("show").AssertError("missing required argument");
        Cli.RunRaw("commits", "--frobnicate").AssertError("frobnicate");
        Cli.RunRaw("show", "a", "b").AssertError("'b'");
    }

    [Fact]
    public void Help_lists_every_command()
    {
        var help = Cli.RunRaw("--help");
        help.AssertOk();
        foreach (var command in new[] { "init", "deploy", "call", "commits", "show", "delete", "finalize", "prove", "verify", "stats", "fsck", "gc", "export", "import", "demo" })
            Assert.Contains(command, help.Output);
    }
}
