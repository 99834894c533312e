using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Relay.EventLoop;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Hosting;

/// <summary>
/// One connection to the media listener: its request head read off the socket, then the gateway's own request pipeline
/// run over an HttpContext made of that head (so a stream gets every answer it gets on the public listener: the same
/// routing, refusals, rate limit and metrics), whose upgrade answers the 101 on the socket and hands the socket's
/// stream to the call. The call, once set up, is handed back (<see cref="ICallHandOffFeature"/>): its request ends and
/// the relay runs on the connection with nothing of the request held. A request that is not a stream's, or not
/// HTTP/1.1, is answered on the socket and closed.
/// </summary>
internal static partial class MediaConnection
{
    /// <summary>The most a request head may weigh: a request line of up to 64 KiB (a body rides in it) and its headers.</summary>
    public const int HeadMaxBytes = 96 * 1024;

    // Telnyx's upgrade request, its body in the URL included, is usually well under this.
    private const int HeadFirstBytes = 4096;

    /// <summary>How long a connection may take to send its request head.</summary>
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    public static async Task ServeAsync(Socket socket, SocketEventLoops loops, RequestDelegate pipeline, IServiceScopeFactory scopes, TimeProvider time, ILogger logger)
    {
        Stream stream;
        try
        {
            stream = loops.Open(socket);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Reset before it was served, or the gateway is stopping (its loops with it).
            return;
        }

        await using (stream)
        {
            Func<Task>? call = null;
            try
            {
                call = await ServeRequestAsync(socket, stream, pipeline, scopes, time);
                if (call is not null)
                {
                    await call();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The peer went away, or its connection was dropped on purpose (the call aborted it).
            }
            catch (Exception e) when (call is not null)
            {
                // The request's exception handler is gone with the request: what escapes a handed-off call ends here.
                LogCallFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// The request, answered through the pipeline. Returns the call its upgrade handed off, if any, to be run after the
    /// request's objects (context, features, service scope) have been let go of; null when the connection is done.
    /// </summary>
    private static async Task<Func<Task>?> ServeRequestAsync(Socket socket, Stream stream, RequestDelegate pipeline, IServiceScopeFactory scopes, TimeProvider time)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (head, fault) = await ReadHeadAsync(stream, time);
        if (head is null)
        {
            if (fault is not null)
            {
                var refused = Context(socket, stream, scope.ServiceProvider, Request("GET", "/", []), out _, out var unread);
                using (unread)
                {
                    await AnswerAsync(stream, refused, Refusals.BadRequest(fault.Status, fault.Detail));
                }
            }

            return null;
        }

        var context = Context(socket, stream, scope.ServiceProvider, Request(head.Method, head.Target, head.Fields, head.Protocol), out var upgrade, out var lifetime);
        using (lifetime)
        {
            if (!context.Request.Path.Equals(GatewayApplication.CallStreamPath, StringComparison.Ordinal))
            {
                await AnswerAsync(stream, context, Refusals.NotFound($"This listener serves only GET {GatewayApplication.CallStreamPath}, Telnyx's media streams."));
                return null;
            }

            await pipeline(context);
            if (!upgrade.Upgraded)
            {
                await WriteResponseAsync(stream, context);
            }

            return upgrade.HandedOff;
        }
    }

    private static async Task<(MediaRequestHead? Head, MediaRequestHead.Fault? Fault)> ReadHeadAsync(Stream stream, TimeProvider time)
    {
        using var timeout = new CancellationTokenSource(HeadTimeout, time);
        try
        {
            using var read = await HttpHead.ReadAsync(stream, HeadFirstBytes, HeadMaxBytes, timeout.Token);
            if (read.Closed)
            {
                return (null, null);
            }

            if (read.TooLarge)
            {
                return (null, new MediaRequestHead.Fault(431, $"The request head is over {HeadMaxBytes / 1024} KiB."));
            }

            var (head, _, fault) = MediaRequestHead.TryRead(read.Read);
            return head is not null && !read.After.IsEmpty
                // RFC 6455 §4.1: the client sends no frame before it has the 101; nor does Telnyx.
                ? (null, new MediaRequestHead.Fault(400, "Bytes followed the request head before the 101 (an upgrade request has no body, and frames wait for the 101)."))
                : (head, fault);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return (null, new MediaRequestHead.Fault(408, $"The request head did not come within {HeadTimeout.TotalSeconds:0} s."));
        }
    }

    private static HttpRequestFeature Request(string method, string target, IReadOnlyList<KeyValuePair<string, string>> fields, string protocol = "HTTP/1.1")
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequestFeature
        {
            Protocol = protocol,
            Scheme = "http",
            Method = method,
            PathBase = string.Empty,
            Path = Uri.UnescapeDataString(query < 0 ? target : target[..query]),
            QueryString = query < 0 ? string.Empty : target[query..],
            RawTarget = target,
        };
        foreach (var (name, value) in fields)
        {
            request.Headers.Append(name, value);
        }

        return request;
    }

    private static DefaultHttpContext Context(Socket socket, Stream stream, IServiceProvider services, HttpRequestFeature request, out MediaUpgrade upgrade, out MediaLifetime lifetime)
    {
        // Sized for what the pipeline sets on an upgrade (routing, the endpoint, WebSockets, rate limiting and the rest)
        // so that the collection is not grown three times on every call.
        var features = new FeatureCollection(initialCapacity: 16);
        var response = new HttpResponseFeature();
        lifetime = new MediaLifetime(stream);
        upgrade = new MediaUpgrade(stream, request, response, lifetime);
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(new MemoryStream()));
        features.Set<IHttpUpgradeFeature>(upgrade);
        features.Set<ICallHandOffFeature>(upgrade);
        features.Set<IHttpRequestLifetimeFeature>(lifetime);
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = socket.Handle.ToString(CultureInfo.InvariantCulture),
            RemoteIpAddress = (socket.RemoteEndPoint as IPEndPoint)?.Address,
            RemotePort = (socket.RemoteEndPoint as IPEndPoint)?.Port ?? 0,
            LocalIpAddress = (socket.LocalEndPoint as IPEndPoint)?.Address,
            LocalPort = (socket.LocalEndPoint as IPEndPoint)?.Port ?? 0,
        });
        return new DefaultHttpContext(features) { RequestServices = services };
    }

    private static async Task AnswerAsync(Stream stream, HttpContext context, Refusal refusal)
    {
        await refusal.ExecuteAsync(context);
        await WriteResponseAsync(stream, context);
    }

    /// <summary>The answer the pipeline wrote (no upgrade): its status line, headers and body, then the connection closes.</summary>
    private static async Task WriteResponseAsync(Stream stream, HttpContext context)
    {
        var body = (MemoryStream)context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().Stream;
        var response = context.Features.GetRequiredFeature<IHttpResponseFeature>();
        response.Headers.ContentLength = body.Length;
        response.Headers.Connection = "close";
        await MediaUpgrade.WriteHeadAsync(stream, response);
        await stream.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
    }

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "A call on the media listener failed after its request had ended")]
    private static partial void LogCallFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The media listener's upgrade: the 101 written on the socket, which is then the call's; and the call, once set up,
/// handed to the connection so that its request can end.
/// </summary>
internal sealed class MediaUpgrade(Stream connection, HttpRequestFeature request, HttpResponseFeature response, MediaLifetime lifetime)
    : IHttpUpgradeFeature, ICallHandOffFeature
{
    public bool Upgraded { get; private set; }

    /// <summary>The rest of the call, handed off by its handler; run by the connection after the request.</summary>
    public Func<Task>? HandedOff { get; private set; }

    public void HandOff(Func<Task> rest)
    {
        ArgumentNullException.ThrowIfNull(rest);
        if (!Upgraded || HandedOff is not null)
        {
            throw new InvalidOperationException("A call is handed off once, after its upgrade.");
        }

        HandedOff = rest;
    }

    /// <summary>As Kestrel has it: a request whose <c>Connection</c> names <c>upgrade</c> (the stream's own check refuses HTTP/1.0 by name).</summary>
    public bool IsUpgradableRequest
    {
        get
        {
            foreach (var value in request.Headers.Connection)
            {
                var tokens = value.AsSpan();
                foreach (var token in tokens.Split(','))
                {
                    if (tokens[token].Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    public async Task<Stream> UpgradeAsync()
    {
        // As Kestrel does: the request's status is 101 from here on (the HTTP metrics count it so).
        Upgraded = true;
        response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        lifetime.StopWatching();
        // The connection's own stream (on an event loop, its one registration there); the call owns it from here, and
        // the connection's disposal of it after the call is a second, harmless one.
        await WriteHeadAsync(connection, response);
        return connection;
    }

    /// <summary>The response's status line and headers, the 101's or a refusal's.</summary>
    public static async Task WriteHeadAsync(Stream stream, IHttpResponseFeature response)
    {
        var head = HttpHead.Compose().Append("HTTP/1.1 ").Append(response.StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(ReasonPhrases.GetReasonPhrase(response.StatusCode)).Append("\r\n");
        foreach (var (name, values) in response.Headers)
        {
            foreach (var value in values)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        head.Append("\r\n");
        await HttpHead.WriteAsync(stream, head, CancellationToken.None);
    }
}
