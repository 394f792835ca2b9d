using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Piecrust.Merkle;
using Piecrust.Storage;
using Piecrust.Tests.Tools;
using Piecrust.Tools.Serve;
using Xunit;

namespace Piecrust.Tests.Sync;

/// <summary>State sync over HTTP: <c>piecrust serve</c>'s server on a loopback port, the HTTP source, and the CLI.</summary>
public sealed class HttpSyncTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    private static VM NewVM() => VM.Ephemeral(new VMOptions { Durable = false });

    [Fact]
    public async Task A_second_store_syncs_from_a_real_server_on_loopback_and_then_moves_only_a_diff()
    {
        using var source = NewVM();
        var (r1, contract) = SyncStates.Filled(source, pages: 300);
        await using var server = await SyncServer.StartAsync(source, AnyLoopbackPort);
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var target = NewVM();
        using var http = new HttpSyncSource(server.Address, maxBatch: 64);

        Assert.Equal([r1], http.GetCommits().Select(c => c.Root));
        var full = target.Sync(http, r1);
        var r2 = SyncStates.ChangeOnePage(source, r1, contract, SyncStates.FirstPage + 7, seed: 5);
        var diff = target.Sync(http, r2);

        Assert.Equal(SyncStates.Objects(source, r1), full.ObjectsFetched);
        Assert.InRange(diff.ObjectsFetched, 2, 64);
        Assert.Equal([r1, r2], target.Commits);
        Assert.Equal(SyncStates.Snapshot(source, r2), SyncStates.Snapshot(target, r2));
        Assert.True(target.Fsck().IsClean);
    }

    [Theory]
    [InlineData("GET", "/objects/zz", 400)]
    [InlineData("GET", "/objects/0000000000000000000000000000000000000000000000000000000000000000", 404)]
    [InlineData("GET", "/objects/0000000000000000000000000000000000000000000000000000000000000000?kind=sock", 400)]
    [InlineData("GET", "/commits/0000000000000000000000000000000000000000000000000000000000000000", 404)]
    [InlineData("GET", "/commits/xyz", 400)]
    [InlineData("GET", "/objects", 400)]
    [InlineData("GET", "/proofs/page/0000000000000000000000000000000000000000000000000000000000000000/0000000000000000000000000000000000000000000000000000000000000000/0", 404)]
    [InlineData("GET", "/proofs/page/ROOT/CONTRACT/x", 400)]
    [InlineData("GET", "/proofs/page/ROOT/CONTRACT/99999999", 400)]
    [InlineData("GET", "/proofs/page/ROOT/0000000000000000000000000000000000000000000000000000000000000001/0", 404)]
    [InlineData("GET", "/proofs/absence/ROOT/CONTRACT", 409)]
    [InlineData("GET", "/nowhere", 404)]
    [InlineData("POST", "/objects:9", 413)]
    [InlineData("POST", "/objects:malformed", 400)]
    [InlineData("POST", "/objects:unknown", 404)]
    public async Task Bad_requests_get_a_4xx_with_a_one_line_json_error(string method, string path, int status)
    {
        using var vm = NewVM();
        var (root, contract) = SyncStates.Filled(vm, pages: 2);
        await using var server = await SyncServer.StartAsync(vm, AnyLoopbackPort, new ServeLimits { MaxBatch = 8 });
        using var client = new HttpClient { BaseAddress = server.Address };
        path = path.Replace("ROOT", root.ToString()).Replace("CONTRACT", contract.ToString());

        using var response = method == "GET" ? await client.GetAsync(path) : await client.PostAsync("/objects", Body(path, root));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\n', text.TrimEnd());
        using var json = JsonDocument.Parse(text);
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("error").GetString()));
    }

    private static ByteArrayContent Body(string path, Hash root) => new(path switch
    {
        "/objects:9" => ObjectBatchFormat.EncodeRequest(Enumerable.Repeat(ObjectRef.Node(root), 9).ToArray()),
        "/objects:malformed" => new byte[10],
        _ => ObjectBatchFormat.EncodeRequest([ObjectRef.Page(Hash.Of("absent"u8))]),
    });

    [Fact]
    public async Task Served_objects_and_proofs_verify_against_the_root()
    {
        using var vm = NewVM();
        var (root, contract) = SyncStates.Filled(vm, pages: 3);
        await using var server = await SyncServer.StartAsync(vm, AnyLoopbackPort);
        using var client = new HttpClient { BaseAddress = server.Address };

        var node = await client.GetByteArrayAsync($"/objects/{root}");
        Assert.Equal(root, NodeLayout.Instance.KeyOf(node));
        using var batch = await client.GetAsync($"/objects?h={root}&h={root}");
        var objects = ObjectBatchFormat.ReadAnswer(await batch.Content.ReadAsStreamAsync(), 2, 1 << 20);
        Assert.All(objects, o => Assert.Equal(node, o));

        using var page = JsonDocument.Parse(await client.GetStringAsync($"/proofs/page/{root}/{contract}/{SyncStates.FirstPage}"));
        var proof = Convert.FromHexString(page.RootElement.GetProperty("proof").GetString()!);
        var data = Convert.FromHexString(page.RootElement.GetProperty("data").GetString()!);
        Assert.True(ProofVerifier.VerifyPage(proof, root, data));
        Assert.Equal(SyncStates.FirstPage ^ 7u, BitConverter.ToUInt32(data));

        var absent = ContractId.Parse(new string('e', 64));
        using var absence = JsonDocument.Parse(await client.GetStringAsync($"/proofs/absence/{root}/{absent}"));
        Assert.True(ProofVerifier.VerifyAbsence(Convert.FromHexString(absence.RootElement.GetProperty("proof").GetString()!), root, absent));
    }

    [Fact]
    public async Task A_tampering_server_is_rejected_by_name_and_a_retry_from_an_honest_one_succeeds()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 100);
        ObjectRef? victim = null;
        await using var liar = await TamperingServer.StartAsync(new ScriptedSource(source.SyncSource())
        {
            Tamper = (reference, bytes) =>
            {
                if (reference.Kind != ObjectKind.Page || victim is not null && victim != reference) return null;
                victim = reference;
                return [.. bytes[..^1], (byte)(bytes[^1] ^ 0x80)];
            },
        });
        await using var honest = await SyncServer.StartAsync(source, AnyLoopbackPort);
        using var target = NewVM();

        using (var lying = new HttpSyncSource(liar.Address, maxBatch: 32))
        {
            var error = Assert.Throws<SyncVerificationException>(() => target.Sync(lying, root));
            Assert.Equal(victim, error.Object);
        }
        Assert.Empty(target.Commits);

        using var truthful = new HttpSyncSource(honest.Address);
        target.Sync(truthful, root);
        Assert.Equal([root], target.Commits);
        Assert.True(target.Fsck().IsClean);
    }

    [Theory]
    [InlineData("oversized")]
    [InlineData("truncated")]
    [InlineData("trailing")]
    [InlineData("status")]
    public async Task A_malformed_answer_is_a_source_error_and_nothing_becomes_visible(string flaw)
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 3);
        await using var peer = await RawAnswerServer.StartAsync(context => flaw switch
        {
            "oversized" => context.Response.Body.WriteAsync(ObjectBatchFormat.LengthPrefix(int.MaxValue)).AsTask(),
            "truncated" => context.Response.Body.WriteAsync(ObjectBatchFormat.LengthPrefix(100).Concat(new byte[10]).ToArray()).AsTask(),
            "trailing" => WriteRootThenJunk(context, source.ReadObject(ObjectRef.Node(root))!),
            _ => Status(context, 503),
        });
        using var target = NewVM();
        using var http = new HttpSyncSource(peer.Address);

        Assert.Throws<SyncSourceException>(() => target.Sync(http, root));
        Assert.Empty(target.Commits);
        Assert.True(target.Fsck().IsClean);
    }

    private static async Task WriteRootThenJunk(Microsoft.AspNetCore.Http.HttpContext context, byte[] node)
    {
        await context.Response.Body.WriteAsync(ObjectBatchFormat.LengthPrefix(node.Length));
        await context.Response.Body.WriteAsync(node);
        await context.Response.Body.WriteAsync(new byte[] { 1, 2, 3 });
    }

    private static Task Status(Microsoft.AspNetCore.Http.HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync("{\"error\":\"busy\"}");
    }

    [Fact]
    public async Task Requests_are_served_while_commits_continue()
    {
        using var source = NewVM();
        var (root, contract) = SyncStates.Filled(source, pages: 50);
        await using var server = await SyncServer.StartAsync(source, AnyLoopbackPort);
        using var target = NewVM();
        using var http = new HttpSyncSource(server.Address, maxBatch: 16);
        var roots = new System.Collections.Concurrent.ConcurrentQueue<Hash>();
        var committer = Task.Run(() =>
        {
            var current = root;
            for (uint i = 0; i < 30; i++)
            {
                current = SyncStates.ChangeOnePage(source, current, contract, SyncStates.FirstPage + i, seed: 1000 + i);
                roots.Enqueue(current);
            }
        });

        int synced = 0;
        while (!committer.IsCompleted || !roots.IsEmpty)
        {
            if (!roots.TryDequeue(out var next)) continue;
            target.Sync(http, next);
            synced++;
        }
        await committer;

        Assert.Equal(30, synced);
        Assert.Equal(source.Commits.Skip(1), target.Commits);
        Assert.True(target.Fsck().IsClean);
    }

    [Fact]
    public async Task The_cli_syncs_the_peers_newest_commit_and_prints_the_summary()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 40);
        await using var server = await SyncServer.StartAsync(source, AnyLoopbackPort);
        using var cli = new Cli(init: false);

        var first = cli.Run("sync", server.Address.ToString());
        var second = cli.Run("sync", server.Address.ToString(), root.ToString());

        first.AssertOk();
        Assert.Contains($"synced {root}", first.Output);
        Assert.Contains($"{SyncStates.Objects(source, root)} objects, ", first.Output);
        Assert.Contains(" bytes fetched, 0 already present", first.Output);
        second.AssertOk();
        Assert.Contains("0 objects, 0 bytes fetched, 1 already present", second.Output);
        cli.Run("fsck").AssertOk();
        Assert.Contains(root.ToString(), cli.Run("commits").Output);
    }

    [Fact]
    public async Task The_cli_names_a_tampered_object_and_an_unreachable_peer_in_one_error_line()
    {
        using var source = NewVM();
        var (root, _) = SyncStates.Filled(source, pages: 5);
        await using var liar = await TamperingServer.StartAsync(new ScriptedSource(source.SyncSource())
        {
            Tamper = (reference, bytes) => reference == ObjectRef.Node(root) ? [.. bytes, 0] : null,
        });
        using var cli = new Cli(init: false);

        cli.Run("sync", liar.Address.ToString()).AssertError(root.ToString());
        cli.Run("sync", "http://127.0.0.1:1").AssertError("cannot be reached");
        cli.Run("sync", "ftp://example").AssertError("not an http");
        Assert.DoesNotContain(root.ToString(), cli.Run("commits").Output);
    }
}
