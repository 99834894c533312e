using System.Net;
using System.Text;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Texml;

/// <summary>
/// TeXML requests verified with Telnyx's Ed25519 signature whenever a key applies: the organization's own, else the
/// platform's, else none. The gateway's clock is the test's, so "stale" is crossed on purpose.
/// </summary>
public sealed class TexmlSignatureTests
{
    private const string Reject = """<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>""";
    private const string SupportDocument = """<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/ws/telnyx?serviceHost=support.acme" track="inbound_track" codec="PCMU" bidirectionalMode="rtp" bidirectionalCodec="PCMU" bidirectionalSamplingRate="8000" /></Connect></Response>""";

    private static readonly byte[] Form = Encoding.UTF8.GetBytes(TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010090")));

    private readonly TelnyxSigner _platform = new();
    private readonly ShiftedTimeProvider _clock = new();

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_request_signed_with_the_platform_key_is_answered(GatewayMode mode)
    {
        await using var gateway = await StartAsync(mode);

        var post = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form));
        var get = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support?CallSid=v3:x"), _platform.Headers(DateTimeOffset.UtcNow, []));
        var routed = await TexmlClient.PostAsync(gateway.HttpUri("/texml"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form));

        Assert.Equal(SupportDocument, post.Body);
        Assert.Equal(SupportDocument, get.Body);
        Assert.Equal(SupportDocument, routed.Body);
    }

    [Fact]
    public async Task A_request_signed_with_another_key_is_401_signature_invalid()
    {
        await using var gateway = await StartAsync(GatewayMode.Embedded);
        var stranger = new TelnyxSigner();

        AssertRefused(
            await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, stranger.Headers(DateTimeOffset.UtcNow, Form)),
            "signature_invalid");
        Assert.Contains(gateway.Logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("[12006] TeXML request POST /texml/acme/support refused (signature_invalid) from 127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timestamp_beyond_the_tolerance_of_the_gateways_clock_is_401_signature_stale()
    {
        await using var gateway = await StartAsync(GatewayMode.Embedded);

        _clock.Advance(TimeSpan.FromSeconds(290));
        var inTime = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form));
        _clock.Advance(TimeSpan.FromSeconds(12));
        var late = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form));
        var early = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, _platform.Headers(DateTimeOffset.UtcNow.AddSeconds(302 + 302), Form));

        Assert.Equal(SupportDocument, inTime.Body);
        AssertRefused(late, "signature_stale");
        AssertRefused(early, "signature_stale");
    }

    [Fact]
    public async Task A_body_or_timestamp_altered_after_signing_is_401_signature_invalid()
    {
        await using var gateway = await StartAsync(GatewayMode.Embedded);
        var headers = _platform.Headers(DateTimeOffset.UtcNow, Form);
        var altered = Encoding.UTF8.GetBytes(TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010091")));
        var laterTimestamp = new Dictionary<string, string>(headers) { ["telnyx-timestamp"] = (long.Parse(headers["telnyx-timestamp"], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };

        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), altered, headers), "signature_invalid");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml"), altered, headers), "signature_invalid");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, laterTimestamp), "signature_invalid");
        AssertRefused(await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support?To=%2B13122010091"), headers), "signature_invalid");
    }

    [Fact]
    public async Task Missing_headers_are_401_signature_missing()
    {
        await using var gateway = await StartAsync(GatewayMode.Embedded);
        var headers = _platform.Headers(DateTimeOffset.UtcNow, Form);

        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form), "signature_missing");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, Only(headers, "telnyx-timestamp")), "signature_missing");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, Only(headers, "telnyx-signature-ed25519")), "signature_missing");
        AssertRefused(await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support")), "signature_missing");
    }

    [Fact]
    public async Task Unknown_agents_and_numbers_are_verified_with_the_platform_key_before_the_reject_document()
    {
        await using var gateway = await StartAsync(GatewayMode.Embedded);
        var unknown = Encoding.UTF8.GetBytes(TexmlClient.Encode(TexmlClient.CallFields(to: "+19998887777")));

        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml"), unknown), "signature_missing");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/sales"), unknown), "signature_missing");
        Assert.Equal(Reject, (await TexmlClient.PostAsync(gateway.HttpUri("/texml"), unknown, _platform.Headers(DateTimeOffset.UtcNow, unknown))).Body);
        Assert.Equal(Reject, (await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/sales"), unknown, _platform.Headers(DateTimeOffset.UtcNow, unknown))).Body);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_organizations_own_key_overrides_the_platform_key_for_its_agents_only(GatewayMode mode)
    {
        await using var gateway = await StartAsync(mode);
        var acme = new TelnyxSigner();
        await gateway.Services.GetRequiredService<ITenantSettingsStore>().PutAsync("acme", new TenantTelnyxSettings { WebhookPublicKey = acme.PublicKey });
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("globex", "sales"), new AgentResource { PhoneNumbers = ["+442071838750"] });
        var globexForm = Encoding.UTF8.GetBytes(TexmlClient.Encode(TexmlClient.CallFields(to: "+442071838750")));

        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form)), "signature_invalid");
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml"), Form, _platform.Headers(DateTimeOffset.UtcNow, Form)), "signature_invalid");
        Assert.Equal(SupportDocument, (await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, acme.Headers(DateTimeOffset.UtcNow, Form))).Body);
        Assert.Equal(SupportDocument, (await TexmlClient.PostAsync(gateway.HttpUri("/texml"), Form, acme.Headers(DateTimeOffset.UtcNow, Form))).Body);

        // Another organization, with no key of its own, stays on the platform key.
        Assert.Equal(HttpStatusCode.OK, (await TexmlClient.PostAsync(gateway.HttpUri("/texml"), globexForm, _platform.Headers(DateTimeOffset.UtcNow, globexForm))).Status);
        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml"), globexForm, acme.Headers(DateTimeOffset.UtcNow, globexForm)), "signature_invalid");
    }

    [Fact]
    public async Task An_organizations_key_applies_even_with_no_platform_key()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "https://voice.example.com" });
        await NumberRoutingTests.PutOwnersAsync(gateway);
        var acme = new TelnyxSigner();
        await gateway.Services.GetRequiredService<ITenantSettingsStore>().PutAsync("acme", new TenantTelnyxSettings { WebhookPublicKey = acme.PublicKey });
        var globexForm = Encoding.UTF8.GetBytes(TexmlClient.Encode(TexmlClient.CallFields(to: "+442071838750")));

        AssertRefused(await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form), "signature_missing");
        Assert.Equal(SupportDocument, (await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form, acme.Headers(DateTimeOffset.UtcNow, Form))).Body);
        Assert.Equal(HttpStatusCode.OK, (await TexmlClient.PostAsync(gateway.HttpUri("/texml"), globexForm)).Status);
        Assert.Equal(Reject, (await TexmlClient.PostAsync(gateway.HttpUri("/texml/unknown-org/support"), Form)).Body);
    }

    [Fact]
    public async Task With_no_key_anywhere_requests_are_not_verified()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "https://voice.example.com" });
        await NumberRoutingTests.PutOwnersAsync(gateway);
        var garbage = new Dictionary<string, string> { ["telnyx-signature-ed25519"] = "garbage", ["telnyx-timestamp"] = "0" };

        Assert.Equal(SupportDocument, (await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), Form)).Body);
        Assert.Equal(SupportDocument, (await TexmlClient.PostAsync(gateway.HttpUri("/texml"), Form, garbage)).Body);
    }

    private async Task<GatewayHost> StartAsync(GatewayMode mode)
    {
        var gateway = await ClockedGateways.StartAsync(mode, _clock, new Dictionary<string, string?>
        {
            ["Gateway:PublicBaseUrl"] = "https://voice.example.com",
            ["Telnyx:PublicKey"] = _platform.PublicKey,
        });
        await NumberRoutingTests.PutOwnersAsync(gateway);
        return gateway;
    }

    private static void AssertRefused(TexmlResponse response, string code)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        var problem = response.Problem();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("Request not signed by Telnyx", problem.GetProperty("title").GetString());
        Assert.DoesNotContain("<Response", response.Body, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Only(Dictionary<string, string> headers, string name) => new() { [name] = headers[name] };
}
