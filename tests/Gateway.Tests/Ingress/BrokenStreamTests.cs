using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Ingress;

/// <summary>
/// Streams whose first frames are not Telnyx's are closed with a specific code and reason. When the URL routed
/// (the bot is already connected) the bot is closed the same way; nothing is left open and no claim is held.
/// </summary>
public sealed class BrokenStreamTests : GatewayWithBotTest
{
    public static TheoryData<string> Routes => ["serviceHost=support.acme", string.Empty];

    protected override GatewayMode Mode => GatewayMode.Embedded;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Short for the test that waits it out, and long enough for a loaded machine to read the other tests' first
        // frames in time (at 0.5 s one of them failed once while the whole suite ran).
        ["Ingress:HandshakeTimeout"] = "00:00:02",
        ["Ingress:StartFrameMaxBytes"] = "2048",
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task No_start_within_the_deadline_closes_1008(string query)
    {
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(query));
        await telnyx.SendTextAsync(TelnyxFrames.Connected());

        await AssertClosedAsync(telnyx, query, WebSocketCloseStatus.PolicyViolation, "no start frame within 2 s");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_first_frame_that_is_not_JSON_closes_1008(string query)
    {
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(query));
        await telnyx.SendTextAsync(Encoding.UTF8.GetBytes("hello"));

        await AssertClosedAsync(telnyx, query, WebSocketCloseStatus.PolicyViolation, "first frame is not Telnyx JSON with an event");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_binary_first_frame_closes_1003(string query)
    {
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(query));
        await telnyx.SendBinaryAsync(TelnyxFrames.Connected());

        await AssertClosedAsync(telnyx, query, WebSocketCloseStatus.InvalidMessageType, "expected Telnyx JSON text frames, got a binary frame");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Media_before_start_closes_1008(string query)
    {
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(query));
        await telnyx.SendTextAsync(TelnyxFrames.Connected());
        await telnyx.SendTextAsync(TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)));

        await AssertClosedAsync(telnyx, query, WebSocketCloseStatus.PolicyViolation, "expected a start frame after connected, got 'media'");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_start_frame_over_its_size_limit_closes_1009(string query)
    {
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme", ["padding"] = new string('x', 4096) });
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(query));
        await TestCalls.SendHandshakeAsync(telnyx, call);

        await AssertClosedAsync(telnyx, query, WebSocketCloseStatus.MessageTooBig, "first frames exceed 2048 bytes");
    }

    private async Task AssertClosedAsync(TelnyxCallClient telnyx, string query, WebSocketCloseStatus status, string reason)
    {
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(telnyx), status, reason);
        await telnyx.CloseOutputAsync(status, reason);
        if (query.Length > 0)
        {
            // Routed by URL: the bot was connected before the 101 and hears the same close, with no frame before it.
            var botCall = await Bot.NextCallAsync();
            TestCalls.AssertClose(await botCall.ReceiveAsync(), status, reason);
        }
        else
        {
            Assert.Equal(0, Bot.TotalConnections);
        }

        await Wait.UntilAsync(() => Bot.OpenConnections == 0, "no bot connection is left open");
        await Gateway.AssertCallGoneAsync(Support);
    }
}
