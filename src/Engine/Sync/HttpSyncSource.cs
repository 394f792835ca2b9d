using System.Net.Http.Headers;
using System.Text.Json;
using Piecrust.Merkle;
using Piecrust.Storage;

namespace Piecrust;

/// <summary>
/// A sync source over HTTP: a peer running <c>piecrust serve</c> (<c>GET /commits</c>, <c>POST /objects</c>
/// in <see cref="ObjectBatchFormat"/>). Answers are read with caps (an object's length is checked before
/// it is read), and every failure — unreachable, an HTTP error, a malformed answer — is a
/// <see cref="SyncSourceException"/> naming the peer. What it serves is verified by the receiver.
/// </summary>
public sealed class HttpSyncSource : ISyncSource, IDisposable
{
    /// <summary>The default number of objects per request.</summary>
    public const int DefaultMaxBatch = 256;

    /// <summary>The longest commit list read (JSON bytes).</summary>
    private const int MaxCommitListBytes = 64 << 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly int _maxObjectLength;

    /// <summary>Creates a source for the peer at <paramref name="baseAddress"/> (e.g. <c>http://127.0.0.1:8080</c>).</summary>
    /// <param name="baseAddress">The peer's address.</param>
    /// <param name="maxBatch">Objects per request (the peer's limit must allow it).</param>
    /// <param name="maxBytecodeLength">The longest bytecode accepted (<see cref="VMOptions.MaxModuleSize"/>).</param>
    /// <param name="client">The client to use (its base address is ignored); a new one when null.</param>
    public HttpSyncSource(Uri baseAddress, int maxBatch = DefaultMaxBatch, int maxBytecodeLength = 1 << 20, HttpClient? client = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        BaseAddress = baseAddress;
        MaxBatch = maxBatch;
        _maxObjectLength = ObjectBatchFormat.MaxObjectLength(maxBytecodeLength);
        _ownsClient = client is null;
        _client = client ?? new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>The peer's address.</summary>
    public Uri BaseAddress { get; }

    /// <inheritdoc/>
    public int MaxBatch { get; }

    /// <inheritdoc/>
    public IReadOnlyList<CommitInfo> GetCommits()
    {
        using var response = Send(new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, "commits")));
        using var stream = response.Content.ReadAsStream();
        var bytes = ReadCapped(stream, MaxCommitListBytes, "commit list");
        SyncCommit[]? commits;
        try
        {
            commits = JsonSerializer.Deserialize<SyncCommit[]>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new SyncSourceException($"The peer {BaseAddress} sent a malformed commit list: {e.Message}", e);
        }
        if (commits is null) throw new SyncSourceException($"The peer {BaseAddress} sent an empty commit list document.");
        return commits.Select(c => new CommitInfo(ParseRoot(c.Root), c.Parent is null ? null : ParseRoot(c.Parent), c.Sequence)).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<byte[]> GetObjects(IReadOnlyList<ObjectRef> objects)
    {
        if (objects.Count > MaxBatch)
            throw new ArgumentException($"A request may ask for at most {MaxBatch} objects, got {objects.Count}.", nameof(objects));
        var content = new ByteArrayContent(ObjectBatchFormat.EncodeRequest(objects));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = Send(new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "objects")) { Content = content });
        try
        {
            using var stream = response.Content.ReadAsStream();
            return ObjectBatchFormat.ReadAnswer(stream, objects.Count, _maxObjectLength);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new SyncSourceException($"Reading objects from the peer {BaseAddress} failed: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }

    private HttpResponseMessage Send(HttpRequestMessage request)
    {
        HttpResponseMessage response;
        try
        {
            response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new SyncSourceException($"The peer {BaseAddress} cannot be reached: {e.Message}", e);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            string detail;
            try
            {
                using var stream = response.Content.ReadAsStream();
                detail = System.Text.Encoding.UTF8.GetString(ReadCapped(stream, 4096, "error")).Trim();
            }
            catch (Exception e) when (e is IOException or HttpRequestException or SyncSourceException)
            {
                detail = "";
            }
            throw new SyncSourceException($"The peer {BaseAddress} answered {request.Method} {request.RequestUri?.AbsolutePath} with {(int)response.StatusCode} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}");
        }
    }

    private byte[] ReadCapped(Stream stream, int cap, string what)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > cap) throw new SyncSourceException($"The peer {BaseAddress} sent a {what} over {cap} bytes.");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new SyncSourceException($"Reading the {what} from the peer {BaseAddress} failed: {e.Message}", e);
        }
        return buffer.ToArray();
    }

    private Hash ParseRoot(string text) =>
        Hash.TryParse(text, out var hash) ? hash : throw new SyncSourceException($"The peer {BaseAddress} listed a commit root that is not 64 hex digits: '{text}'.");
}
