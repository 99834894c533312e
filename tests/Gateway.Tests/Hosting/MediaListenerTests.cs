using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Relay.EventLoop;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The media listener (<c>Gateway:MediaPort</c>): a call through it is relayed as through the public listener, and
/// its upgrade request meets the same pipeline (refusals, rate limit); anything but a stream, or a request it cannot
/// read as HTTP/1.1, is answered on the socket with a problem. The whole suite also runs through it with
/// <c>GATEWAY_TEST_MEDIA=1</c>.
/// </summary>
public sealed class MediaListenerTests : IAsyncLifetime
{
    private BotServer _bot = null!;
    private GatewayHost _gateway = null!;

    [Fact]
    public async Task A_call_on_the_media_listener_is_relayed_frame_for_frame_and_its_close_passes_through()
    {
        await AssertCallRelayedAndHungUpAsync(_gateway);
    }

    [Fact]
    public async Task A_call_set_up_on_the_media_listener_relays_on_after_its_request_has_ended()
    {
        const string InProgress = "http_requests_in_progress{method=\"GET\",controller=\"\",action=\"\",endpoint=\"/ws/telnyx\"}";
        const string Upgraded = "http_requests_received_total{code=\"101\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"/ws/telnyx\"}";
        const string Active = "gateway_calls_active{org=\"acme\",agent=\"support\"}";
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(_gateway.MediaCallUri(TestCalls.SupportQuery));
        var bot = await StartAsync(telnyx, call);

        // Set up, the call is handed to the listener: its request is over (counted with its 101), the call live.
        var scrape = await MetricsText.UntilAsync(_gateway, Upgraded, 1);
        Assert.Equal(0, scrape.Value(InProgress));
        Assert.Equal(1, scrape.Value(Active));

        // On the public listener the request lasts the call's life.
        await using (var held = await TestCalls.DialAsync(new Uri($"ws://{_gateway.BaseUri.Authority}/ws/telnyx?{TestCalls.SupportQuery}")))
        {
            await StartAsync(held, TelnyxCallInfo.CreateRandom());
            scrape = await MetricsText.UntilAsync(_gateway, Active, 2);
            Assert.Equal(1, scrape.Value(InProgress));
            Assert.Equal(1, scrape.Value(Upgraded));
        }

        // The handed-off call relays both ways and ends as any call does.
        await AssertRelaysBothWaysAsync(telnyx, bot, call);
        await bot.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bot done");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(telnyx), WebSocketCloseStatus.NormalClosure, "bot done");
        await _gateway.AssertCallGoneAsync(new Gateway.Core.AgentKey("acme", "support"));
    }

    [Fact]
    public async Task Over_dotnets_socket_engine_a_call_on_the_media_listener_is_relayed_as_well()
    {
        // Relay:EventLoops 0: the listener's connections and the bot hop wait on .NET's socket engine, as on any system
        // but Linux.
        await using var gateway = await GatewayHost.StartAsync(mediaPort: true, settings: new Dictionary<string, string?> { ["Relay:EventLoops"] = "0" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 10));
        Assert.Equal(0, gateway.Services.GetRequiredService<SocketEventLoops>().Count);
        Assert.Equal(Environment.ProcessorCount, _gateway.Services.GetRequiredService<SocketEventLoops>().Count);

        await AssertCallRelayedAndHungUpAsync(gateway);
    }

    [Fact]
    public async Task A_refused_upgrade_gets_the_same_problem_as_on_the_public_listener()
    {
        var (status, contentType, problem) = await UpgradeRequest.SendAsync(_gateway.MediaCallUri("serviceHost=sales.acme"));

        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (status, contentType));
        Assert.Equal("unknown_agent", problem.GetProperty("code").GetString());
        Assert.Equal("No agent answers to serviceHost 'sales.acme'.", problem.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("sessionId").GetString()));
    }

    [Fact]
    public async Task Only_the_stream_path_is_served()
    {
        var response = await RawUpgradeRequest.SendTextAsync(_gateway.MediaUri!, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal("HTTP/1.1 404 Not Found", response.StatusLine);
        Assert.Equal("not_found", response.Problem.GetProperty("code").GetString());
        Assert.Equal("close", response.Headers["Connection"]);
    }

    [Theory]
    [InlineData("GET /ws/telnyx\r\n\r\n", 400, "The request line is not 'METHOD target HTTP/1.1'.")]
    [InlineData("GET  /ws/telnyx HTTP/1.1\r\n\r\n", 400, "The request line is not 'METHOD target HTTP/1.1'.")]
    [InlineData("GET /ws/telnyx HTTP/1.1 \r\n\r\n", 400, "The request line is not 'METHOD target HTTP/1.1'.")]
    [InlineData("GET /ws/telnyx \r\n\r\n", 505, "'' is not HTTP/1.x; a WebSocket upgrade takes HTTP/1.1 (RFC 6455).")]
    [InlineData("GET /ws/telnyx HTTP/1.1\r\nHost : x\r\n\r\n", 400, "The header line 'Host : x' is not 'name: value' (obsolete line folding is refused, RFC 9112 §5.2).")]
    [InlineData("GET /ws/telnyx HTTP/1.1\r\nHost: x\r\nno-colon-here\r\n\r\n", 400, "The header line 'no-colon-here' is not 'name: value' (obsolete line folding is refused, RFC 9112 §5.2).")]
    [InlineData("GET /ws/telnyx HTTP/1.1\r\nHost: x\r\n\r\nhello", 400, "Bytes followed the request head before the 101 (an upgrade request has no body, and frames wait for the 101).")]
    [InlineData("GET /ws/telnyx HTTP/2.0\r\n\r\n", 505, "'HTTP/2.0' is not HTTP/1.x; a WebSocket upgrade takes HTTP/1.1 (RFC 6455).")]
    [InlineData("GET http://x/ws/telnyx HTTP/1.1\r\n\r\n", 400, "The request target is not an absolute path ('/ws/telnyx?…').")]
    [InlineData("GET /ws/telnyx HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "The header line ' folded' is not 'name: value' (obsolete line folding is refused, RFC 9112 §5.2).")]
    [InlineData("GET /ws/telnyx HTTP/1.1\r\nHost: \u00e9\r\n\r\n", 400, "The request head holds a byte that is not printable ASCII.")]
    public async Task A_head_that_is_not_http_1_1_is_refused_with_the_reason(string request, int status, string detail)
    {
        var response = await RawUpgradeRequest.SendTextAsync(_gateway.MediaUri!, request);

        Assert.Equal(status, response.Status);
        Assert.Equal("bad_request", response.Problem.GetProperty("code").GetString());
        Assert.Equal(detail, response.Problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_head_larger_than_the_first_buffer_is_read_whole()
    {
        // 10 KiB of headers: past the 4 KiB the head is first read into, so the reason given is the request line's.
        var response = await RawUpgradeRequest.SendTextAsync(_gateway.MediaUri!, "GET /ws/telnyx HTTP/2.0\r\nX-Padding: " + new string('a', 10 * 1024) + "\r\n\r\n");

        Assert.Equal(505, response.Status);
        Assert.Equal("'HTTP/2.0' is not HTTP/1.x; a WebSocket upgrade takes HTTP/1.1 (RFC 6455).", response.Problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_head_over_96_KiB_is_431()
    {
        var response = await RawUpgradeRequest.SendTextAsync(_gateway.MediaUri!, "GET /ws/telnyx HTTP/1.1\r\nX-Padding: " + new string('a', 100 * 1024) + "\r\n\r\n");

        Assert.Equal(431, response.Status);
        Assert.Equal("The request head is over 96 KiB.", response.Problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_per_address_upgrade_limit_holds_on_the_media_listener()
    {
        await using var limited = await GatewayHost.StartAsync(mediaPort: true, settings: new Dictionary<string, string?>
        {
            ["Ingress:UpgradesPerSecondPerAddress"] = "1",
            ["Ingress:UpgradeBurstPerAddress"] = "1",
        });

        // Three at once: the bucket's one token, and at most one more if its once-a-second refill falls among them (two
        // requests one after the other could straddle a refill however quickly they follow).
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => UpgradeRequest.SendAsync(limited.MediaCallUri("serviceHost=sales.acme"))));

        Assert.Contains(answers, answer => answer.Status == HttpStatusCode.NotFound);
        var refused = answers.Where(answer => answer.Status != HttpStatusCode.NotFound).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.Equal("rate_limited", answer.Problem.GetProperty("code").GetString());
        });
    }

    [Fact]
    public async Task A_caller_who_hangs_up_before_the_101_has_its_bot_connect_given_up_at_once()
    {
        // The bot takes its time to answer; the caller does not wait for it.
        _bot.UpgradeDelay = TimeSpan.FromSeconds(20);
        var uri = _gateway.MediaCallUri(TestCalls.SupportQuery);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port, Wait.Token());
            var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\n\r\n";
            await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), Wait.Token());
            await Wait.UntilAsync(() => _bot.UpgradeRequests == 1, "the gateway is connecting the bot");
        }

        var hungUp = System.Diagnostics.Stopwatch.StartNew();
        await _gateway.AssertCallGoneAsync(new Gateway.Core.AgentKey("acme", "support"));
        Assert.True(hungUp.Elapsed < TimeSpan.FromSeconds(5), $"the call was gone {hungUp.Elapsed} after the caller hung up, not at once");
    }

    /// <summary>A call through <paramref name="gateway"/>'s media listener: relayed both ways, then the caller's close passes through and the call is gone.</summary>
    private async Task AssertCallRelayedAndHungUpAsync(GatewayHost gateway)
    {
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(gateway.MediaCallUri(TestCalls.SupportQuery));
        var bot = await StartAsync(telnyx, call);

        await AssertRelaysBothWaysAsync(telnyx, bot, call);

        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "caller hung up");
        TestCalls.AssertClose(await bot.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "caller hung up");
        await gateway.AssertCallGoneAsync(new Gateway.Core.AgentKey("acme", "support"));
    }

    /// <summary>Telnyx's handshake on a dialled stream, and the bot's side of the call once it has it verbatim.</summary>
    private async Task<BotCall> StartAsync(TelnyxCallClient telnyx, TelnyxCallInfo call)
    {
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var bot = await _bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);
        return bot;
    }

    private static async Task AssertRelaysBothWaysAsync(TelnyxCallClient telnyx, BotCall bot, TelnyxCallInfo call)
    {
        var media = TelnyxFrames.Media(call, 3, 1, 0, TelnyxFrames.SilenceFrame(1));
        await telnyx.SendTextAsync(media);
        Assert.Equal(media, (await bot.ReceiveAsync()).Payload);
        await bot.SendTextAsync(TelnyxFrames.BotMark("from the bot"));
        Assert.Equal(TelnyxFrames.BotMark("from the bot"), (await TestCalls.ReceiveAsync(telnyx)).Payload);
    }

    public async Task InitializeAsync()
    {
        _bot = await BotServer.StartAsync();
        // Bot connects that would outlast the test unless given up: a caller hanging up must end them, not their timeout.
        _gateway = await GatewayHost.StartAsync(mediaPort: true, settings: new Dictionary<string, string?>
        {
            ["Relay:BotConnectTimeout"] = "00:00:30",
            ["Relay:BotConnectBudget"] = "00:00:30",
        });
        await _gateway.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 10));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _bot.DisposeAsync();
    }
}
