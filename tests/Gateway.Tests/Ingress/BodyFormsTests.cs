using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Ingress;

/// <summary>Every form a body takes in the wild reaches the bot as one canonical body: padded standard base64.</summary>
public sealed class BodyFormsTests
{
    // Chosen so that its standard base64 holds '+', '/' and padding: every mangling below changes it.
    private const string Json = """{"note":"~~??>>","n":1}""";

    public static TheoryData<string, string> Forms()
    {
        var standard = TestCalls.Base64(Json);
        Assert.Contains("+", standard, StringComparison.Ordinal);
        Assert.Contains("/", standard, StringComparison.Ordinal);
        Assert.EndsWith("=", standard, StringComparison.Ordinal);
        var urlSafe = standard.Replace('+', '-').Replace('/', '_');
        return new TheoryData<string, string>
        {
            { "standard", Uri.EscapeDataString(standard) },
            { "url-safe", urlSafe },
            { "unpadded", Uri.EscapeDataString(standard.TrimEnd('=')) },
            { "plus as space", standard.Replace("=", "%3D", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal) },
            { "url-safe unpadded", urlSafe.TrimEnd('=') },
        };
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Each_form_arrives_as_the_same_canonical_body(string form, string queryValue)
    {
        Assert.NotEmpty(form);
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));

        await using var live = await TestCalls.ConnectAsync(gateway, bot, $"{TestCalls.SupportQuery}&body={queryValue}");

        Assert.Equal(TestCalls.Base64(Json), live.Bot.Body);
        Assert.Contains("body=" + Uri.EscapeDataString(TestCalls.Base64(Json)), live.Bot.QueryString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_a_body_reaches_the_bot_without_one()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));

        await using var live = await TestCalls.ConnectAsync(gateway, bot);

        Assert.Null(live.Bot.Body);
        Assert.Equal(string.Empty, live.Bot.QueryString);
    }
}
