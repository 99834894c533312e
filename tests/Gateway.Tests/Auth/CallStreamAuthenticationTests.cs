using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Auth;

/// <summary>
/// A call's stream never goes through the bearer handler: it carries no principal (its stream token is routing's), so
/// building the handler and holding the authentication middlewares' state for the call's life would be waste.
/// </summary>
public sealed class CallStreamAuthenticationTests : GatewayWithBotTest
{
    private const string BearerFailure = "Bearer was not authenticated";

    private static readonly Dictionary<string, string> GarbageBearer = new() { ["Authorization"] = "Bearer not-a-token" };

    // The bearer handler says at Information when a token fails (the default configuration shows ASP.NET Core's warnings only).
    protected override IDictionary<string, string?>? Settings =>
        AdminTokens.Settings(new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Authentication"] = "Information" });

    [Fact]
    public async Task A_call_with_a_bearer_header_is_relayed_without_the_bearer_handler_reading_it()
    {
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TelnyxCallClient.ConnectAsync(Gateway.CallUri(TestCalls.SupportQuery), Wait.Token(), GarbageBearer);
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var bot = await Bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);
        await telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        await Gateway.AssertCallGoneAsync(Support);

        Assert.DoesNotContain(Gateway.Logs.Lines, line => line.Contains(BearerFailure, StringComparison.Ordinal));

        // The same header on an admin request is read, and said to fail: the assertion above can see it.
        var admin = await new AdminClient(Gateway, token: null).GetAsync("/admin/v1/orgs/acme/agents", ("Authorization", "Bearer not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, admin.Status);
        Assert.Contains(Gateway.Logs.Lines, line => line.Contains(BearerFailure, StringComparison.Ordinal));
    }
}
