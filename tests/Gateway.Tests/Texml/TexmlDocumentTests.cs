using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Texml;

/// <summary>
/// <c>/texml/{org}/{agent}</c> on a real gateway: the whole document, byte for byte, for each kind of agent setting,
/// and the stream it describes crossing the gateway to the bot.
/// </summary>
public sealed partial class TexmlDocumentTests
{
    private const string Head = """<?xml version="1.0" encoding="UTF-8"?><Response><Connect>""";
    private const string StreamUrl = "wss://voice.example.com/ws/telnyx?serviceHost=support.acme";
    private const string DefaultStream = """track="inbound_track" codec="PCMU" bidirectionalMode="rtp" bidirectionalCodec="PCMU" bidirectionalSamplingRate="8000" />""";
    private const string Reject = """<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>""";

    private static readonly AgentKey Support = new("acme", "support");

    private static readonly Dictionary<string, string?> PublicHost = new() { ["Gateway:PublicBaseUrl"] = "https://voice.example.com" };

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_agent_with_default_settings_gets_a_bidirectional_PCMU_stream_by_GET_and_by_POST(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutAsync(gateway, Support, new AgentResource());
        const string expected = Head + "<Stream url=\"" + StreamUrl + "\" " + DefaultStream + "</Connect></Response>";

        var byGet = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support?" + TexmlClient.Encode(TexmlClient.CallFields())));
        var byPost = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields()));

        foreach (var response in new[] { byGet, byPost })
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("application/xml", response.MediaType);
            Assert.Equal("utf-8", response.CharSet);
            Assert.Equal("no-store", response.CacheControl);
            Assert.Equal(expected, response.Body);
        }
    }

    [Fact]
    public async Task L16_at_16_kHz_on_both_tracks_with_parameters_is_written_as_configured()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutAsync(gateway, Support, new AgentResource
        {
            Texml = new AgentTexml
            {
                Codec = "L16",
                Track = "both_tracks",
                BidirectionalCodec = "L16",
                BidirectionalSamplingRate = 16000,
                Parameters = new Dictionary<string, string> { ["customer_tier"] = "gold", ["lang"] = "de-DE" },
            },
        });

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields()));

        Assert.Equal(
            Head + "<Stream url=\"" + StreamUrl + "\" track=\"both_tracks\" codec=\"L16\" bidirectionalMode=\"rtp\" bidirectionalCodec=\"L16\" bidirectionalSamplingRate=\"16000\">"
            + "<Parameter name=\"customer_tier\" value=\"gold\" /><Parameter name=\"lang\" value=\"de-DE\" /></Stream></Connect></Response>",
            response.Body);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task The_body_is_the_static_object_plus_the_request_fields_and_reaches_the_bot(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutAsync(gateway, Support, new AgentResource
        {
            Instances = [new AgentInstance { Id = "bot-1", Url = bot.WsUri }],
            Texml = new AgentTexml
            {
                Body = Json("""{"tier":"gold","flags":{"vip":true,"langs":["en","de"]},"n":3}"""),
                BodyFields = ["From", "To", "CallSid", "Direction"],
            },
        });
        const string json = """{"tier":"gold","flags":{"vip":true,"langs":["en","de"]},"n":3,"From":"+13122010091","To":"+13122010090","CallSid":"v3:abc-123"}""";
        var body = Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)));

        // Direction is asked for but absent from this request: it is left out, not sent empty.
        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields(callSid: "v3:abc-123")));

        Assert.Equal(Head + "<Stream url=\"" + StreamUrl + "&amp;body=" + body + "\" " + DefaultStream + "</Connect></Response>", response.Body);
        await using var call = await TestCalls.ConnectAsync(gateway, bot, response.StreamQuery());
        Assert.Equal(json, Encoding.UTF8.GetString(Convert.FromBase64String(call.Bot.Body!)));
    }

    [Fact]
    public async Task A_body_over_the_agents_limit_drops_the_request_fields()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        const string staticJson = """{"tier":"gold"}""";
        await PutAsync(gateway, Support, new AgentResource
        {
            BodyMaxBytes = 40,
            Texml = new AgentTexml { Body = Json(staticJson), BodyFields = ["From", "To"] },
        });

        // {"tier":"gold","From":"+13122010091","To":"+13122010090"} is 57 bytes: over 40, so only the static 15 go.
        var dropped = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields()));
        Assert.Equal(
            Head + "<Stream url=\"" + StreamUrl + "&amp;body=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(staticJson))) + "\" " + DefaultStream + "</Connect></Response>",
            dropped.Body);
        Assert.Contains(gateway.Logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("[12004] TeXML for acme/support: the body with the request's fields is 57 bytes of JSON, over the limit of 40; the fields were left out", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Logs.Lines, l => l.Contains("[12005]", StringComparison.Ordinal));

        // A static body over the agent's own limit is refused when stored (AgentResourceValidatorTests); only the
        // ingress cap can still leave it out at run time (the next test).
    }

    [Fact]
    public async Task A_posts_fields_come_from_its_signed_form_never_from_the_url()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutAsync(gateway, Support, new AgentResource { Texml = new AgentTexml { BodyFields = ["From", "Direction"] } });

        // From is in the form and the query: the form's wins. Direction is only in the query: it is left out.
        var response = await TexmlClient.PostAsync(
            gateway.HttpUri("/texml/acme/support?From=%2B19995550000&Direction=forged"),
            TexmlClient.Encode(TexmlClient.CallFields(from: "+13122010091")));

        Assert.Equal(
            Head + "<Stream url=\"" + StreamUrl + "&amp;body=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"From":"+13122010091"}"""))) + "\" " + DefaultStream + "</Connect></Response>",
            response.Body);
    }

    [Fact]
    public async Task The_ingress_body_cap_bounds_the_body_too()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>(PublicHost) { ["Ingress:BodyMaxBytes"] = "20" });
        await PutAsync(gateway, Support, new AgentResource { Texml = new AgentTexml { Body = Json("""{"tier":"gold","lang":"en"}""") } });

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields()));

        Assert.Equal(Head + "<Stream url=\"" + StreamUrl + "\" " + DefaultStream + "</Connect></Response>", response.Body);
        Assert.Contains(gateway.Logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("[12005] TeXML for acme/support: the static body alone is 27 bytes of JSON, over the limit of 20; the stream carries no body", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_token_agents_document_carries_a_token_that_opens_the_stream(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutAsync(gateway, Support, new AgentResource
        {
            StreamAuth = StreamAuthMode.Token,
            Instances = [new AgentInstance { Id = "bot-1", Url = bot.WsUri }],
        });

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), TexmlClient.Encode(TexmlClient.CallFields()));

        var token = TokenPattern().Match(response.Body).Groups[1].Value;
        Assert.True(token.Length > 40, response.Body);
        Assert.Equal(Head + "<Stream url=\"" + StreamUrl + "&amp;token=" + token + "\" " + DefaultStream + "</Connect></Response>", response.Body);
        var call = TelnyxCallInfo.CreateRandom();
        await using var live = await TestCalls.ConnectAsync(gateway, bot, response.StreamQuery(), call);
        await live.Telnyx.SendTextAsync(TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)));
        Assert.Equal(TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)), (await live.Bot.ReceiveAsync()).Payload);
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
        await gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task The_fallback_verbs_follow_the_Connect()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutAsync(gateway, Support, new AgentResource
        {
            Texml = new AgentTexml { Fallback = "<Say voice=\"alice\">Connecting you to a person.</Say><Dial timeout='20'><Number>+15551234567</Number></Dial><Hangup/>" },
        });

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));

        Assert.Equal(
            Head + "<Stream url=\"" + StreamUrl + "\" " + DefaultStream + "</Connect>"
            + "<Say voice=\"alice\">Connecting you to a person.</Say><Dial timeout=\"20\"><Number>+15551234567</Number></Dial><Hangup /></Response>",
            response.Body);
    }

    [Fact]
    public async Task Hostile_values_come_out_escaped_and_the_document_parses()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        const string hostileName = "\"><Hangup/>";
        const string hostileValue = "a&b \"q\" 'x' <Reject/>]]>";
        const string unicodeValue = "Grüße 日本 🎉\tend";
        await PutAsync(gateway, Support, new AgentResource
        {
            Texml = new AgentTexml
            {
                Parameters = new Dictionary<string, string> { [hostileName] = hostileValue, ["note"] = unicodeValue },
                Body = Json("""{"x":"\"><Hangup/>&amp;"}"""),
                Fallback = "<Say>Sorry &amp; goodbye &lt;Hangup/&gt;</Say>",
            },
        });
        var body = Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"x":"\"><Hangup/>&amp;"}""")));

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));

        Assert.Equal(
            Head + "<Stream url=\"" + StreamUrl + "&amp;body=" + body + "\" " + DefaultStream[..^3] + ">"
            + "<Parameter name=\"&quot;&gt;&lt;Hangup/&gt;\" value=\"a&amp;b &quot;q&quot; 'x' &lt;Reject/&gt;]]&gt;\" />"
            + "<Parameter name=\"note\" value=\"Grüße 日本 🎉&#x9;end\" /></Stream></Connect>"
            + "<Say>Sorry &amp; goodbye &lt;Hangup/&gt;</Say></Response>",
            response.Body);
        var document = new XmlDocument { XmlResolver = null };
        document.LoadXml(response.Body);
        Assert.Equal("Connect Say", string.Join(' ', document.DocumentElement!.ChildNodes.Cast<XmlNode>().Select(n => n.Name)));
        var parameters = document.SelectNodes("/Response/Connect/Stream/Parameter")!.Cast<XmlElement>().ToList();
        Assert.Equal(new[] { hostileName, "note" }, parameters.Select(p => p.GetAttribute("name")));
        Assert.Equal(new[] { hostileValue, unicodeValue }, parameters.Select(p => p.GetAttribute("value")));
        Assert.Equal(0, document.SelectNodes("//Hangup")!.Count + document.SelectNodes("//Reject")!.Count);
        Assert.Equal("Sorry & goodbye <Hangup/>", document.SelectSingleNode("/Response/Say")!.InnerText);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_unknown_or_disabled_agent_gets_the_unknown_number_document_with_200(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, PublicHost);
        await PutAsync(gateway, new AgentKey("acme", "paused"), new AgentResource { Enabled = false });

        foreach (var path in new[] { "/texml/acme/sales", "/texml/globex/support", "/texml/acme/paused", "/texml/ac_me/support", "/texml/acme/" + new string('a', 55) })
        {
            var response = await TexmlClient.PostAsync(gateway.HttpUri(path), TexmlClient.Encode(TexmlClient.CallFields()));
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("application/xml", response.MediaType);
            Assert.Equal(Reject, response.Body);
        }

        Assert.Contains(gateway.Logs.Lines, l => l.Contains("[12002] TeXML for agent acme/paused: agent disabled; answered with Texml:UnknownNumberResponse", StringComparison.Ordinal));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("[12002] TeXML for agent acme/sales: no such agent; answered with Texml:UnknownNumberResponse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_and_org_names_in_the_path_match_case_insensitively()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: PublicHost);
        await PutAsync(gateway, Support, new AgentResource());

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/ACME/Support"));

        Assert.Equal(Head + "<Stream url=\"" + StreamUrl + "\" " + DefaultStream + "</Connect></Response>", response.Body);
    }

    [Fact]
    public async Task A_configured_unknown_number_response_is_served_verbatim_for_an_unknown_agent()
    {
        const string custom = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n  <Say>This number is not in service.</Say>\n  <Hangup/>\n</Response>\n";
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Texml:UnknownNumberResponse"] = custom });

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/sales"));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(custom, response.Body);
    }

    [Fact]
    public async Task A_request_body_over_the_limit_is_413_problem()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Texml:RequestMaxBytes"] = "1024" });
        await PutAsync(gateway, Support, new AgentResource());

        var response = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), "To=%2B13122010090&Pad=" + new string('x', 1100));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal("request_too_large", response.Problem().GetProperty("code").GetString());
        Assert.Equal("A TeXML request body is at most 1024 bytes.", response.Problem().GetProperty("detail").GetString());
    }

    internal static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>Puts an agent after checking the admin API would take it: the documents tested are ones operators can configure.</summary>
    internal static async Task PutAsync(GatewayHost gateway, AgentKey key, AgentResource resource)
    {
        Assert.Empty(AgentResourceValidator.Validate(resource));
        var revision = await gateway.PutAgentAsync(key, resource);
        await Wait.UntilAsync(() => gateway.Registry.Current.TryGet(key, out var agent) && agent.Revision == revision, $"{key} revision {revision} is current");
    }

    [GeneratedRegex("&amp;token=([A-Za-z0-9_-]+)\"")]
    private static partial Regex TokenPattern();
}
