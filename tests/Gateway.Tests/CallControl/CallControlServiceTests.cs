using System.Net;
using Gateway.CallControl;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Sessions;
using Gateway.Telnyx;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Tests.CallControl;

/// <summary>
/// <see cref="CallControlService"/> over in-process stores, YARP's forwarder replaced by a recorder: every refusal in
/// Telnyx's error shape before anything is forwarded, and the tenant's key on what is.
/// </summary>
public sealed class CallControlServiceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly CallSession _session = TestSessions.Sample("s-1", "acme", T0);
    private readonly SessionCredentials _credentials = new(new EphemeralDataProtectionProvider());
    private readonly InMemorySessionStore _sessions = new();
    private readonly InMemoryTenantSettingsStore _tenants = new();
    private readonly RecordingForwarder _forwarder = new();
    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource>
    {
        [new AgentKey("acme", "support")] = new AgentResource { AllowedActions = ["hangup"] },
    });

    private ISessionStore _store;

    public CallControlServiceTests()
    {
        _store = _sessions;
        _sessions.AddAsync(_session).GetAwaiter().GetResult();
        _tenants.PutAsync("acme", new TenantTelnyxSettings { ApiKey = "KEY-acme", UpdatedAt = T0 }).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task No_credential_is_401_in_Telnyx_error_shape()
    {
        var answer = await SendAsync(_session.CallControlId!, "hangup", credential: null);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(
            """{"errors":[{"code":"gateway_unauthorized","title":"Authentication failed","detail":"Send the call\u0027s session credential (the bot hop\u0027s X-Gateway-Session-Token header) as the bearer token."}]}""",
            answer.Body);
        Assert.Null(_forwarder.ApiKey);
    }

    [Fact]
    public async Task Another_calls_id_is_404_and_an_action_the_agent_does_not_allow_403()
    {
        var otherCall = await SendAsync("v3:someone-else", "hangup", _credentials.Issue("s-1"));
        var notAllowed = await SendAsync(_session.CallControlId!, "transfer", _credentials.Issue("s-1"));

        Assert.Equal("gateway_call_not_found", TelnyxCode(otherCall, HttpStatusCode.NotFound));
        Assert.Equal("gateway_action_not_allowed", TelnyxCode(notAllowed, HttpStatusCode.Forbidden));
        Assert.Equal("Agent 'support.acme' may not use 'transfer'; allowed: hangup.", notAllowed.Json.GetProperty("errors")[0].GetProperty("detail").GetString());
        Assert.Null(_forwarder.ApiKey);
    }

    [Fact]
    public async Task An_organization_without_a_Telnyx_key_is_403()
    {
        await _tenants.DeleteAsync("acme");

        var answer = await SendAsync(_session.CallControlId!, "hangup", _credentials.Issue("s-1"));

        Assert.Equal("gateway_telnyx_not_configured", TelnyxCode(answer, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task An_unreadable_store_is_503_not_404()
    {
        _store = new UnreachableSessionStore();

        var answer = await SendAsync(_session.CallControlId!, "hangup", _credentials.Issue("s-1"));

        Assert.Equal("gateway_unavailable", TelnyxCode(answer, HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task An_allowed_action_is_forwarded_with_the_tenants_key_in_place_of_the_credential()
    {
        await SendAsync(_session.CallControlId!, "hangup", _credentials.Issue("s-1"));

        Assert.Equal("Bearer KEY-acme", _forwarder.ApiKey);
        Assert.Equal("https://api.telnyx.test", _forwarder.Destination);
    }

    [Fact]
    public async Task Telnyx_never_answering_is_502_in_Telnyx_error_shape()
    {
        _forwarder.Error = ForwarderError.Request;

        var answer = await SendAsync(_session.CallControlId!, "hangup", _credentials.Issue("s-1"));

        Assert.Equal("gateway_telnyx_unreachable", TelnyxCode(answer, HttpStatusCode.BadGateway));
    }

    private async Task<AdminResponse> SendAsync(string callControlId, string action, string? credential)
    {
        var telnyx = Options.Create(new TelnyxOptions { ApiBaseUrl = new Uri("https://api.telnyx.test") });
        using var forwarder = new CallControlForwarder(_forwarder, telnyx, NullLogger<CallControlForwarder>.Instance);
        var service = new CallControlService(_credentials, _store, _registry, _tenants, new LiveCalls(), forwarder, telnyx, NullLogger<CallControlService>.Instance);
        var headers = credential is null ? [] : new[] { ("Authorization", "Bearer " + credential) };
        var context = EdgeRequests.Create("POST", $"/v2/calls/{callControlId}/actions/{action}", "{}", headers: headers);

        await service.ForwardAsync(new CallControlCommand(callControlId, action, context));
        return context.Answer();
    }

    private static string? TelnyxCode(AdminResponse answer, HttpStatusCode status)
    {
        answer.AssertStatus(status);
        return answer.Json.GetProperty("errors")[0].GetProperty("code").GetString();
    }

    /// <summary>Records what would have been sent to Telnyx, running the service's own request transform.</summary>
    private sealed class RecordingForwarder : IHttpForwarder
    {
        public ForwarderError Error { get; set; } = ForwarderError.None;

        public string? ApiKey { get; private set; }

        public string? Destination { get; private set; }

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
            SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

        public async ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage();
            await transformer.TransformRequestAsync(context, request, destinationPrefix, cancellationToken);
            ApiKey = request.Headers.Authorization?.ToString();
            Destination = destinationPrefix;
            return Error;
        }
    }

    private sealed class UnreachableSessionStore : ISessionStore
    {
        public bool IsUnsettled => false;

        public Task AddAsync(CallSession session) => Task.CompletedTask;

        public Task RemoveAsync(CallSession session) => Task.CompletedTask;

        public Task ReassertAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default) =>
            throw new RedisException("No connection is active/available.");

        public Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
