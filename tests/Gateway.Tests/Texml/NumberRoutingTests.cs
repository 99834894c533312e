using System.Net;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Texml;

/// <summary><c>/texml</c>: one TeXML application for every number, routed by the called number to the agent that owns it.</summary>
public sealed class NumberRoutingTests
{
    private const string Reject = """<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>""";
    private const string Tail = """ track="inbound_track" codec="PCMU" bidirectionalMode="rtp" bidirectionalCodec="PCMU" bidirectionalSamplingRate="8000" /></Connect></Response>""";

    private static readonly Dictionary<string, string?> PublicHost = new() { ["Gateway:PublicBaseUrl"] = "https://voice.example.com" };

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Each_number_gets_the_document_of_the_agent_that_owns_it(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutOwnersAsync(gateway);

        var support = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010090")));
        var sales = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), TexmlClient.Encode(TexmlClient.CallFields(to: "+442071838750")));

        Assert.Equal(HttpStatusCode.OK, support.Status);
        Assert.Equal("application/xml", support.MediaType);
        Assert.Equal(Document("support.acme"), support.Body);
        Assert.Equal(Document("sales.globex"), sales.Body);
    }

    [Fact]
    public async Task A_GET_routes_by_its_query_and_an_unencoded_plus_still_routes()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutOwnersAsync(gateway);

        var encoded = await TexmlClient.GetAsync(gateway.HttpUri("/texml?" + TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010090"))));
        var plus = await TexmlClient.GetAsync(gateway.HttpUri("/texml?CallSid=v3:x&To=+13122010090"));

        Assert.Equal(Document("support.acme"), encoded.Body);
        Assert.Equal(Document("support.acme"), plus.Body);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_number_nobody_owns_a_missing_To_or_a_disabled_owner_gets_the_reject_document(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutOwnersAsync(gateway);
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "paused"), new AgentResource { Enabled = false, PhoneNumbers = ["+13122010099"] });

        string[] forms =
        [
            TexmlClient.Encode(TexmlClient.CallFields(to: "+19998887777")),
            TexmlClient.Encode(TexmlClient.CallFields().Where(f => f.Name != "To")),
            "To=",
            "To=13122010090",
            TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010099")),
        ];
        foreach (var form in forms)
        {
            var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), form);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("application/xml", response.MediaType);
            Assert.Equal(Reject, response.Body);
        }

        Assert.Contains(gateway.Logs.Lines, l => l.Contains("[12003] TeXML for number +19998887777: no agent owns it; answered with Texml:UnknownNumberResponse", StringComparison.Ordinal));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("[12003] TeXML for number (none): no agent owns it", StringComparison.Ordinal));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("[12009] TeXML for number +13122010099: its agent acme/paused is disabled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_called_number_with_line_breaks_cannot_forge_log_lines()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), "To=%2B1%0D%0AError forged line&CallSid=x");

        Assert.Equal(Reject, response.Body);
        Assert.Contains(gateway.Logs.Lines, l => l.EndsWith("[12003] TeXML for number +1??Error forged line: no agent owns it; answered with Texml:UnknownNumberResponse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_unknown_number_response_is_served_byte_for_byte()
    {
        const string custom = """<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice">Dieser Anschluss ist nicht vergeben.</Say><Hangup/></Response>""";
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>(PublicHost) { ["Texml:UnknownNumberResponse"] = custom });
        await PutOwnersAsync(gateway);

        var unknown = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), TexmlClient.Encode(TexmlClient.CallFields(to: "+19998887777")));
        var missing = await TexmlClient.GetAsync(gateway.HttpUri("/texml"));
        var known = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010090")));

        Assert.Equal(custom, unknown.Body);
        Assert.Equal(custom, missing.Body);
        Assert.Equal(Document("support.acme"), known.Body);
    }

    [Fact]
    public async Task A_number_moved_to_another_agent_routes_there_at_once()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutOwnersAsync(gateway);
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "billing"), new AgentResource { PhoneNumbers = ["+13122010090"] });

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010090")));

        Assert.Equal(Document("billing.acme"), response.Body);
    }

    internal static async Task PutOwnersAsync(GatewayHost gateway)
    {
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource { PhoneNumbers = ["+13122010090", "+13122010091"] });
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("globex", "sales"), new AgentResource { PhoneNumbers = ["+442071838750"] });
    }

    private static string Document(string serviceHost) =>
        """<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/ws/telnyx?serviceHost=""" + serviceHost + "\"" + Tail;
}
