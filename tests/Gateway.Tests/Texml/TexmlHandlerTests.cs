using System.Net;
using System.Text;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Credentials;
using Gateway.Telnyx;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Gateway.Texml;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Texml;

/// <summary>
/// <see cref="TexmlHandler"/> with its real steps over in-process stores: the document for an agent, the
/// unknown-number answer, and the signature check, each read from a request that never crossed a socket.
/// </summary>
public sealed class TexmlHandlerTests
{
    private const string Reject = """<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>""";

    private static readonly string Form = TexmlClient.Encode(TexmlClient.CallFields(callSid: "v3:call-1", to: "+13122010090"));

    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource>
    {
        [new AgentKey("acme", "support")] = new AgentResource { PhoneNumbers = ["+13122010090"] },
        [new AgentKey("acme", "paused")] = new AgentResource { Enabled = false, PhoneNumbers = ["+13122010099"] },
        [new AgentKey("acme", "vault")] = new AgentResource { StreamAuth = StreamAuthMode.Token },
    });

    private string? _platformKey;

    [Fact]
    public async Task An_agents_fetch_is_its_document_streaming_back_here_uncached()
    {
        var answer = await AnswerAgentAsync("acme", "support", Form);

        answer.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("application/xml", answer.ContentType);
        Assert.Equal("no-store", answer.Headers["Cache-Control"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(answer.Body).ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Headers["Content-Length"]);
        Assert.Equal("ws://gateway.test/ws/telnyx?serviceHost=support.acme", TexmlClient.StreamUrl(answer.Body));
    }

    [Fact]
    public async Task Names_are_matched_case_insensitively_and_an_unknown_or_disabled_agent_is_the_unknown_number_document()
    {
        Assert.Equal("ws://gateway.test/ws/telnyx?serviceHost=support.acme", TexmlClient.StreamUrl((await AnswerAgentAsync("ACME", "Support", Form)).Body));
        Assert.Equal(Reject, (await AnswerAgentAsync("acme", "sales", Form)).AssertStatus(HttpStatusCode.OK).Body);
        Assert.Equal(Reject, (await AnswerAgentAsync("acme", "paused", Form)).Body);
        Assert.Equal(Reject, (await AnswerAgentAsync("acme", "not_a name", Form)).Body);
    }

    [Fact]
    public async Task A_fetch_routed_by_number_answers_the_owner_and_rejects_the_rest()
    {
        var owned = await AnswerNumberAsync(Form);
        var paused = await AnswerNumberAsync(TexmlClient.Encode(TexmlClient.CallFields(to: "+13122010099")));
        var nobodys = await AnswerNumberAsync(TexmlClient.Encode(TexmlClient.CallFields(to: "+19998887777")));

        Assert.Equal("ws://gateway.test/ws/telnyx?serviceHost=support.acme", TexmlClient.StreamUrl(owned.Body));
        Assert.Equal(Reject, paused.Body);
        Assert.Equal(Reject, nobodys.Body);
    }

    [Fact]
    public async Task An_agent_taking_only_signed_streams_gets_a_token_in_its_stream_url()
    {
        var url = TexmlClient.StreamUrl((await AnswerAgentAsync("acme", "vault", Form)).Body);

        Assert.StartsWith("ws://gateway.test/ws/telnyx?serviceHost=vault.acme&token=", url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_platform_key_an_unsigned_fetch_is_401_and_a_signed_one_answered()
    {
        var signer = new TelnyxSigner();
        _platformKey = signer.PublicKey;

        var unsigned = await AnswerAgentAsync("acme", "support", Form);
        var signed = await AnswerAgentAsync("acme", "support", Form, [.. signer.Headers(DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(Form)).Select(h => (h.Key, h.Value))]);

        unsigned.AssertProblem(HttpStatusCode.Unauthorized, "signature_missing");
        Assert.Equal("ws://gateway.test/ws/telnyx?serviceHost=support.acme", TexmlClient.StreamUrl(signed.AssertStatus(HttpStatusCode.OK).Body));
    }

    private async Task<AdminResponse> AnswerAgentAsync(string org, string agent, string form, (string, string)[]? headers = null)
    {
        var context = EdgeRequests.Create("POST", $"/texml/{org}/{agent}", form, "application/x-www-form-urlencoded", headers ?? []);
        return await context.AnswerAsync(await Handler().AnswerAgentAsync(new TexmlAgentFetch(org, agent, context)));
    }

    private async Task<AdminResponse> AnswerNumberAsync(string form)
    {
        var context = EdgeRequests.Create("POST", "/texml", form, "application/x-www-form-urlencoded");
        return await context.AnswerAsync(await Handler().AnswerNumberAsync(new TexmlNumberFetch(context)));
    }

    private TexmlHandler Handler()
    {
        var time = TimeProvider.System;
        var telnyx = Options.Create(new TelnyxOptions { PublicKey = _platformKey });
        var texml = Options.Create(new TexmlOptions());
        var logger = NullLogger<TexmlHandler>.Instance;
        var tokens = new StreamTokens(new EphemeralDataProtectionProvider(), new InMemorySpentStreamTokens(time), Options.Create(new StreamTokenOptions()), time);
        var verification = new TexmlVerification(new WebhookKeys(new InMemoryTenantSettingsStore(), telnyx, NullLogger<WebhookKeys>.Instance), new TelnyxSignatureVerifier(time, telnyx), logger);
        var documents = new AgentDocuments(tokens, texml, Options.Create(new GatewayOptions()), Options.Create(new IngressOptions()), logger);
        return new TexmlHandler(_registry, verification, documents, texml, logger);
    }
}
