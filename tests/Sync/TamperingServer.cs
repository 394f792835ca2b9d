using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tests.Sync;

/// <summary>
/// A test double of a peer over HTTP: serves <c>/commits</c> and <c>POST /objects</c> in the real
/// protocol from a store, through a <see cref="ScriptedSource"/> that alters what it sends.
/// </summary>
internal sealed class TamperingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TamperingServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<TamperingServer> StartAsync(ISyncSource source)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/commits", () => Results.Json(source.GetCommits().Select(c => new SyncCommit(c.Root.ToString(), c.Parent?.ToString(), c.Sequence)).ToArray()));
        app.MapPost("/objects", (Func<HttpContext, Task>)(async context =>
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var wanted = new List<ObjectRef>();
            ObjectBatchFormat.TryDecodeRequest(body.ToArray(), wanted);
            context.Response.ContentType = "application/octet-stream";
            foreach (var content in source.GetObjects(wanted))
            {
                await context.Response.Body.WriteAsync(ObjectBatchFormat.LengthPrefix(content.Length));
                await context.Response.Body.WriteAsync(content);
            }
        }));
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TamperingServer(app, new Uri(bound));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
