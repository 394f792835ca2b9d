using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tools.Serve;

/// <summary>
/// The read-only HTTP server of <c>piecrust serve</c> (ASP.NET Core minimal API on Kestrel) over an open
/// VM: commits, raw objects (single and batched, the <see cref="HttpSyncSource"/> protocol), page and
/// absence proofs, health. Every bad request — a malformed hash, an unknown root or object, an
/// oversized batch — is a 4xx with a one-line JSON error <c>{"error":"…"}</c>. The VM is thread-safe,
/// so requests run concurrently with each other and with commits made on the same VM.
/// </summary>
public sealed class SyncServer : IAsyncDisposable
{
    private static readonly ObjectKind[] LookupOrder = [ObjectKind.Node, ObjectKind.Page, ObjectKind.Bytecode];
    private readonly WebApplication _app;

    private SyncServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address the server listens on (the bound port when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="vm"/> on <paramref name="endpoint"/> (port 0: any free port).</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not local).</exception>
    public static async Task<SyncServer> StartAsync(VM vm, IPEndPoint endpoint, ServeLimits? limits = null)
    {
        limits ??= new ServeLimits();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConnections;
            kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(limits.MaxRequestLineBytes, 8 * 1024);
            kestrel.Limits.MaxRequestBodySize = (long)limits.MaxBatch * ObjectBatchFormat.EntryLength;
            kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                var (status, message) = Classify(e);
                await Error(status, message).ExecuteAsync(context);
            }
        });
        Map(app, vm, limits);
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync();
            throw new IOException($"Cannot listen on {endpoint}: {e.Message}", e);
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SyncServer(app, new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>Stops serving (requests under way finish first).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Waits until the server stops (Ctrl-C on the console host, or <paramref name="cancellation"/>).</summary>
    public Task WaitAsync(CancellationToken cancellation) => _app.WaitForShutdownAsync(cancellation);

    private static void Map(WebApplication app, VM vm, ServeLimits limits)
    {
        app.MapGet("/health", () => Results.Json(new { status = "ok", commits = vm.CommitLog.Count }));

        app.MapGet("/commits", () => Results.Json(vm.CommitLog.Select(Describe).ToArray()));

        app.MapGet("/commits/{root}", (string root) =>
        {
            if (!Hash.TryParse(root, out var hash)) return BadHash("root", root);
            var commit = vm.CommitLog.FirstOrDefault(c => c.Root == hash);
            return commit is null ? Error(404, $"no commit {hash}") : Results.Json(Describe(commit));
        });

        app.MapGet("/objects/{hash}", (string hash, string? kind) =>
        {
            if (!Hash.TryParse(hash, out var key)) return BadHash("object", hash);
            ObjectKind[] kinds;
            if (kind is null) kinds = LookupOrder;
            else if (Enum.TryParse<ObjectKind>(kind, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) kinds = [parsed];
            else return Error(400, $"kind '{kind}' is not page, node or bytecode");
            foreach (var k in kinds)
                if (vm.ReadObject(new ObjectRef(k, key)) is { } content) return Results.Bytes(content, "application/octet-stream");
            return Error(404, $"no object {key}");
        });

        // GET /objects?h=HASH&h=HASH…: a batch of objects of any kind, answered in ObjectBatchFormat.
        app.MapGet("/objects", (Func<HttpContext, Task<IResult>>)((HttpContext context) =>
        {
            var hashes = context.Request.Query["h"];
            if (hashes.Count == 0) return Task.FromResult(Error(400, "no object asked: give h=HASH one or more times"));
            if (hashes.Count > limits.MaxQueryHashes)
                return Task.FromResult(Error(413, $"{hashes.Count} objects asked; at most {limits.MaxQueryHashes} per GET (POST /objects takes {limits.MaxBatch})"));
            var wanted = new List<ObjectRef>(hashes.Count);
            foreach (var text in hashes)
            {
                if (!Hash.TryParse(text, out var key)) return Task.FromResult(BadHash("object", text ?? ""));
                var found = LookupOrder.Select(k => new ObjectRef(k, key)).FirstOrDefault(vm.HoldsObject, new ObjectRef(0, key));
                if (found.Kind == 0) return Task.FromResult(Error(404, $"no object {key}"));
                wanted.Add(found);
            }
            return Answer(context, vm, wanted);
        }));

        // POST /objects, body: kind ‖ key per object (ObjectBatchFormat): what HttpSyncSource sends.
        app.MapPost("/objects", (Func<HttpContext, Task<IResult>>)(async (HttpContext context) =>
        {
            long max = (long)limits.MaxBatch * ObjectBatchFormat.EntryLength;
            if (context.Request.ContentLength > max)
                return Error(413, $"the request asks for {context.Request.ContentLength / ObjectBatchFormat.EntryLength} objects; at most {limits.MaxBatch} per request");
            var body = new MemoryStream();
            try
            {
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == 413)
            {
                return Error(413, $"the request body is over {max} bytes: at most {limits.MaxBatch} objects per request");
            }
            var wanted = new List<ObjectRef>();
            if (ObjectBatchFormat.TryDecodeRequest(body.GetBuffer().AsSpan(0, (int)body.Length), wanted) is { } malformed)
                return Error(400, $"malformed object request: {malformed}");
            if (wanted.Count == 0) return Error(400, "no object asked");
            return await Answer(context, vm, wanted);
        }));

        app.MapGet("/proofs/page/{root}/{contract}/{page}", (string root, string contract, string page) =>
        {
            if (!Hash.TryParse(root, out var hash)) return BadHash("root", root);
            if (!ContractId.TryParse(contract, out var id)) return BadHash("contract", contract);
            if (!ulong.TryParse(page, out ulong index)) return Error(400, $"page '{page}' is not a page index (a decimal number)");
            var proof = vm.ProvePage(hash, id, index);
            var data = vm.ReadPage(hash, id, index);
            return Results.Json(new { root = hash.ToString(), contract = id.ToString(), page = index, proof = Convert.ToHexStringLower(proof.ToBytes()), data = Convert.ToHexStringLower(data) });
        });

        app.MapGet("/proofs/absence/{root}/{contract}", (string root, string contract) =>
        {
            if (!Hash.TryParse(root, out var hash)) return BadHash("root", root);
            if (!ContractId.TryParse(contract, out var id)) return BadHash("contract", contract);
            AbsenceProof proof;
            try
            {
                proof = vm.ProveAbsence(hash, id);
            }
            catch (ContractAlreadyExistsException)
            {
                return Error(409, $"commit {hash} has contract {id}: it is not absent");
            }
            return Results.Json(new { root = hash.ToString(), contract = id.ToString(), proof = Convert.ToHexStringLower(proof.ToBytes()) });
        });

        app.MapFallback(() => Error(404, "no such endpoint: GET /health, /commits, /commits/{root}, /objects/{hash}, /objects?h=…, /proofs/page/{root}/{contract}/{page}, /proofs/absence/{root}/{contract}; POST /objects"));
    }

    // Checks every object is held before the first byte goes out (a missing one is a clean 404), then
    // streams them one at a time: memory is one object, whatever the batch. An object deleted in between
    // cuts the answer short, which the client reports as a failed request.
    private static async Task<IResult> Answer(HttpContext context, VM vm, List<ObjectRef> wanted)
    {
        int missing = wanted.FindIndex(r => !vm.HoldsObject(r));
        if (missing >= 0) return Error(404, $"no {wanted[missing]}");
        context.Response.ContentType = "application/octet-stream";
        foreach (var reference in wanted)
        {
            var content = vm.ReadObject(reference);
            if (content is null)
            {
                context.Abort();
                return Results.Empty;
            }
            await context.Response.Body.WriteAsync(ObjectBatchFormat.LengthPrefix(content.Length), context.RequestAborted);
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }
        return Results.Empty;
    }

    private static SyncCommit Describe(CommitInfo commit) => new(commit.Root.ToString(), commit.Parent?.ToString(), commit.Sequence);

    private static (int Status, string Message) Classify(Exception e) => e switch
    {
        CommitNotFoundException => (404, e.Message),
        ContractNotFoundException => (404, e.Message),
        ContractAlreadyExistsException => (409, e.Message),
        InvalidArgumentException => (400, e.Message),
        BadHttpRequestException bad => (bad.StatusCode, bad.Message),
        CorruptStoreException or StoreIOException => (500, $"the store failed: {e.Message}"),
        _ => (500, $"internal error: {e.GetType().Name}"),
    };

    private static IResult BadHash(string what, string text) =>
        Error(400, $"{what} '{(text.Length > 80 ? text[..80] + "…" : text)}' is not a 32-byte hash (64 hex digits)");

    private static IResult Error(int status, string message) =>
        Results.Json(new { error = message.ReplaceLineEndings(" ") }, (JsonSerializerOptions?)null, "application/json", status);
}
