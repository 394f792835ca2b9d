using System.Diagnostics;
using Piecrust.Bench.Engine;
using Piecrust.Tools;
using Piecrust.Tools.Commands;
using Xunit;

namespace Piecrust.Tests.Tools;

/// <summary>
/// Files named on the command line are read with a cap that no valid input reaches: an endless
/// device, a pipe or an oversized file is one "error:" line and exit 1, and nothing is written.
/// </summary>
public sealed class InputLimitTests
{
    private static readonly string Root = Hash.Of([1]).ToString();

    private static string Fifo(Cli cli)
    {
        string path = cli.PathOf("fifo");
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    private static string FileOf(Cli cli, string name, long length)
    {
        string path = cli.PathOf(name);
        using var file = File.Create(path);
        file.SetLength(length);
        return path;
    }

    [Fact]
    public void Verify_refuses_an_endless_device_a_pipe_and_a_file_over_the_cap()
    {
        using var cli = new Cli(init: false);
        Cli.RunRaw("verify", "/dev/zero", "--root", Root).AssertError("'/dev/zero' is larger than 16 MiB");
        Cli.RunRaw("verify", Fifo(cli), "--root", Root).AssertError("is a pipe, socket or terminal");
        Cli.RunRaw("verify", FileOf(cli, "big.proof", VerifyCommand.MaxProofFile + 1L), "--root", Root).AssertError("larger than 16 MiB");

        // A file at the cap is read, and found not to be a proof.
        string atCap = FileOf(cli, "cap.proof", VerifyCommand.MaxProofFile);
        File.WriteAllBytes(atCap + ".page", new byte[Piecrust.Storage.PageStore.PageSize]);
        var result = Cli.RunRaw("verify", atCap, "--root", Root);
        Assert.Equal(ExitCodes.CheckFailed, result.Code);
        Assert.Contains("malformed", result.Output);

    }

    [Fact]
    public void Verify_refuses_page_and_data_files_over_their_caps()
    {
        // The page or data file is read once the proof says which it needs: prove a real page and range first.
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string proof = cli.PathOf("page.proof"), range = cli.PathOf("range.proof");
        cli.Run("prove", root.ToString(), id.ToString(), "16", "-o", proof).AssertOk();
        cli.Run("prove", root.ToString(), id.ToString(), "--range", "0:8", "-o", range).AssertOk();

        Cli.RunRaw("verify", proof, "--root", root.ToString(), "--page", "/dev/zero").AssertError("a page is 4096 bytes");
        Cli.RunRaw("verify", proof, "--root", root.ToString(), "--page", FileOf(cli, "big.page", Piecrust.Storage.PageStore.PageSize + 1)).AssertError("a page is 4096 bytes");
        Cli.RunRaw("verify", proof, "--root", root.ToString(), "--page", Fifo(cli)).AssertError("is a pipe, socket or terminal");
        Cli.RunRaw("verify", range, "--root", root.ToString(), "--data", "/dev/zero").AssertError("no range proof covers more bytes");
        Cli.RunRaw("verify", range, "--root", root.ToString()).AssertOk();
    }

    [Fact]
    public void Call_and_deploy_refuse_argument_files_over_their_caps()
    {
        using var cli = new Cli();
        var (id, root) = cli.DeployCounter();
        string contract = id.ToString();
        cli.Run("call", contract, "read_value", "--arg", "@/dev/zero").AssertError("a call argument is at most 65,536 bytes");
        cli.Run("call", contract, "read_value", "--arg", "@" + Fifo(cli)).AssertError("is a pipe, socket or terminal");
        cli.Run("call", contract, "read_value", "--arg", "@" + FileOf(cli, "big.arg", Session.MaxArgumentSize + 1)).AssertError("larger than 64 KiB");
        cli.Run("call", contract, "read_value", "--arg", "@" + FileOf(cli, "max.arg", Session.MaxArgumentSize)).AssertOk();

        string wat = cli.PathOf("counter.wat");
        cli.Run("deploy", wat, "--owner", "@/dev/zero", "--id", Hash.Of([2]).ToString()).AssertError("an owner is at most 65,535 bytes");
        cli.Run("deploy", wat, "--owner", "01", "--init", "@/dev/zero", "--id", Hash.Of([2]).ToString()).AssertError("an init argument is at most 65,536 bytes");

        using var vm = VM.Open(cli.Store);
        Assert.Equal([root], vm.Commits);
    }

    [Fact]
    public void Deploy_refuses_module_files_over_the_cap_and_modules_over_the_engine_limits()
    {
        using var cli = new Cli();
        cli.Run("deploy", "/dev/zero", "--owner", "01").AssertError("'/dev/zero' is larger than 16 MiB");
        cli.Run("deploy", Fifo(cli), "--owner", "01").AssertError("is a pipe, socket or terminal");

        var defaults = new VMOptions();
        string big = cli.PathOf("big.wasm");
        byte[] padding = new byte[defaults.MaxModuleSize];
        padding[0] = 1; // a custom section named "x" of 1 MiB + 3 bytes, after a valid module
        padding[1] = (byte)'x';
        File.WriteAllBytes(big, [.. GeneratedModule.Build("functions", 1), 0x00, 0x80, 0x80, 0x40, .. padding]);
        cli.Run("deploy", big, "--owner", "01").AssertError("over the limit of 1,048,576 (VMOptions.MaxModuleSize)");

        string segments = cli.PathOf("segments.wasm");
        File.WriteAllBytes(segments, GeneratedModule.Build("data", 100_000));
        cli.Run("deploy", segments, "--owner", "01").AssertError("it has 100,000 data segments, over the limit of 1,000 (VMOptions.MaxDataSegments)");

        using var vm = VM.Open(cli.Store);
        Assert.Empty(vm.Commits);
    }
}
