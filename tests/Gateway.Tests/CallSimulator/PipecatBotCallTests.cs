using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// The simulator against a bot that behaves as a real Pipecat bot does (<see cref="PipecatStyleBot"/>: never closes
/// on stop, answers in 40 ms chunks), through the gateway: every call is reported ok and its echoes are timed.
/// </summary>
public sealed class PipecatBotCallTests : IAsyncLifetime
{
    private const int Calls = 4;

    private PipecatStyleBot _bot = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bot = await PipecatStyleBot.StartAsync();
        _gateway = await GatewayHost.StartAsync();
        await _gateway.PutAgentAsync("acme", "support", ("pipecat-1", _bot.WsUri, Calls));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _bot.DisposeAsync();
    }

    [Fact]
    public async Task Every_call_to_a_bot_that_never_closes_and_answers_in_40_ms_chunks_is_ok_with_its_echoes_timed()
    {
        var runner = new CallRunner(TimeProvider.System);
        var options = new CallOptions(_gateway.CallUri("serviceHost=support.acme"), TimeSpan.FromSeconds(1));

        var reports = await Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => runner.RunAsync(options, Wait.Token())));

        Assert.All(reports, report =>
        {
            Assert.Null(report.Error);
            // 50 frames of 160 bytes make 25 chunks of 320; the last ones may still be queued when the call closes. Each
            // chunk carries two frames' markers, so every chunk received times two echoes.
            Assert.InRange(report.FramesReceived["media"], 20, 25);
            Assert.Equal(2 * report.FramesReceived["media"], report.RoundTrips.Count);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, report.CloseStatus);
            Assert.Equal("call ended", report.CloseDescription);
        });
        Assert.All(_bot.ChunkSizes, size => Assert.Equal(PipecatStyleBot.ChunkBytes, size));
        Assert.Equal(Calls, _bot.Events.Count(e => e == "stop"));
        Assert.Equal(Calls, _bot.Events.Count(e => e == "close 1000 call ended"));
        await _gateway.AssertCallGoneAsync(new Core.AgentKey("acme", "support"));
    }

    [Fact]
    public async Task Waiting_for_the_bot_to_close_as_the_simulator_once_did_fails_every_such_call()
    {
        var options = new CallOptions(_gateway.CallUri("serviceHost=support.acme"), TimeSpan.FromMilliseconds(200))
        {
            CloseAfterStop = false,
            CloseTimeout = TimeSpan.FromMilliseconds(500),
        };

        var report = await new CallRunner(TimeProvider.System).RunAsync(options, Wait.Token());

        Assert.Equal("no close from the other side within 0.5 s of the stop frame", report.Error);
    }

    [Fact]
    public async Task A_refused_call_names_the_refusal_code_and_detail()
    {
        var options = new CallOptions(_gateway.CallUri("serviceHost=sales.acme"), TimeSpan.FromMilliseconds(40));

        var report = await new CallRunner(TimeProvider.System).RunAsync(options, Wait.Token());

        Assert.Equal(HttpStatusCode.NotFound, report.RefusedStatus);
        Assert.Equal("upgrade refused: HTTP 404 (NotFound): unknown_agent: No agent answers to serviceHost 'sales.acme'.", report.Error);
    }
}
