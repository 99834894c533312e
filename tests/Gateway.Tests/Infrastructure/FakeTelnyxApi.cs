using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Telnyx's REST API as the gateway calls it, on real Kestrel at 127.0.0.1:0: records every request byte for byte
/// and answers as Telnyx does (<c>POST /v2/calls</c> with fresh call ids, actions with <c>{"data":{"result":"ok"}}</c>),
/// unless a test told it to answer otherwise.
/// </summary>
public sealed class FakeTelnyxApi : IAsyncDisposable
{
    /// <summary>Telnyx's answer to a command on a call that is over, as captured in pipecat PR 2054.</summary>
    public const string CallEndedBody =
        """{"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active and can't receive commands."}]}""";

    public const string ActionOkBody = """{"data":{"result":"ok"}}""";

    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<TelnyxApiRequest> _requests = [];
    private readonly Channel<TelnyxApiRequest> _arrivals = Channel.CreateUnbounded<TelnyxApiRequest>();
    private readonly List<(Func<TelnyxApiRequest, bool> Matches, int Status, string Body)> _overrides = [];
    private bool _stopped;

    private FakeTelnyxApi(WebApplication app) => _app = app;

    /// <summary>What <c>Telnyx:ApiBaseUrl</c> is set to.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<TelnyxApiRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeTelnyxApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTelnyxApi(app);
        app.Run(fake.AnswerAsync);
        await app.StartAsync();
        fake.BaseUri = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>From now on, answer every request with this status and body (the latest override wins).</summary>
    public void AnswerAll(int status, string body) => AnswerWhen(_ => true, status, body);

    /// <summary>From now on, answer the requests <paramref name="matches"/> accepts with this status and body.</summary>
    public void AnswerWhen(Func<TelnyxApiRequest, bool> matches, int status, string body)
    {
        lock (_lock)
        {
            _overrides.Add((matches, status, body));
        }
    }

    /// <summary>The next request to arrive (including one that already arrived and was not awaited yet).</summary>
    public async Task<TelnyxApiRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(Wait.Timeout);
        return await _arrivals.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>True when no request arrives within the window (and none arrived unread before it).</summary>
    public async Task<bool> ReceivesNothingAsync(TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(window);
        try
        {
            await _arrivals.Reader.WaitToReadAsync(timeout.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Stops listening: from then on Telnyx is unreachable (connections to its port are refused).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Fresh ids in Telnyx's shapes: a <c>v3:</c> call_control_id and UUID leg and session ids.</summary>
    public static string DialAnswer(out string callControlId, out string callLegId, out string callSessionId)
    {
        callControlId = "v3:" + new string(RandomNumberGenerator.GetItems<char>(UrlSafeAlphabet, 40));
        callLegId = Guid.NewGuid().ToString();
        callSessionId = Guid.NewGuid().ToString();
        return $$$"""{"data":{"call_control_id":"{{{callControlId}}}","call_leg_id":"{{{callLegId}}}","call_session_id":"{{{callSessionId}}}","is_alive":false,"record_type":"call"}}""";
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new TelnyxApiRequest(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());

        (int Status, string Body)? answer = null;
        lock (_lock)
        {
            for (var i = _overrides.Count - 1; i >= 0 && answer is null; i--)
            {
                if (_overrides[i].Matches(request))
                {
                    answer = (_overrides[i].Status, _overrides[i].Body);
                }
            }
        }

        answer ??= DefaultAnswer(request);
        request.ResponseStatus = answer.Value.Status;
        request.ResponseBody = answer.Value.Body;
        int number;
        lock (_lock)
        {
            _requests.Add(request);
            number = _requests.Count;
        }

        _arrivals.Writer.TryWrite(request);
        context.Response.StatusCode = answer.Value.Status;

        // An empty answer goes out bare, as a proxy in front of Telnyx may send one.
        if (answer.Value.Body.Length > 0)
        {
            context.Response.ContentType = "application/json";
        }

        context.Response.Headers["x-request-id"] = "fake-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Value.Body));
    }

    private static (int Status, string Body) DefaultAnswer(TelnyxApiRequest request)
    {
        if (request.Method == "POST" && request.Path == "/v2/calls")
        {
            return (200, DialAnswer(out _, out _, out _));
        }

        if (request.Method == "POST" && request.Path.StartsWith("/v2/calls/", StringComparison.Ordinal) && request.Path.Contains("/actions/", StringComparison.Ordinal))
        {
            return (200, ActionOkBody);
        }

        return (404, """{"errors":[{"code":"10005","title":"Resource not found","detail":"The requested resource or URL could not be found."}]}""");
    }
}

/// <summary>One request the fake Telnyx received, and what it answered.</summary>
public sealed record TelnyxApiRequest(string Method, string Path, string RawTarget, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Authorization => Headers.GetValueOrDefault("Authorization");

    public int ResponseStatus { get; set; }

    public string ResponseBody { get; set; } = string.Empty;

    /// <summary>The response body as JSON (the dial answer's ids).</summary>
    public JsonElement ResponseJson => JsonDocument.Parse(ResponseBody).RootElement.Clone();
}
