using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Piecrust.Tests.Sync;

/// <summary>A test double of a peer that answers every <c>POST /objects</c> with whatever bytes the test writes.</summary>
internal static class RawAnswerServer
{
    public static Task<LoopbackPeer> StartAsync(Func<HttpContext, Task> answer) =>
        LoopbackPeer.StartAsync(app => app.MapPost("/objects", (Func<HttpContext, Task>)(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            await answer(context);
        })));
}
