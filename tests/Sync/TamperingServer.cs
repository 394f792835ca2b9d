using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust.Tests.Sync;

/// <summary>
/// A test double of a peer over HTTP: serves <c>/commits</c> and <c>POST /objects</c> in the real
/// protocol from a store, through a <see cref="ScriptedSource"/> that alters what it sends.
/// </summary>
internal static class TamperingServer
{
    public static Task<LoopbackPeer> StartAsync(ISyncSource source) => LoopbackPeer.StartAsync(app =>
    {
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
    });
}
