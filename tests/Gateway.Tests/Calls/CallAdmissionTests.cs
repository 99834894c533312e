using System.Net.WebSockets;
using System.Security.Cryptography;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Calls;

/// <summary>The admit stage on its own: claims over local accounting, bot hops through a dialer the test scripts.</summary>
public sealed class CallAdmissionTests
{
    private static readonly TimeSpan RefusalDelay = TimeSpan.FromMilliseconds(300);

    // A delay may end a timer tick early; well below the 0.05 s between the refusal's delay and the 0.25 s bucket.
    private const double TimerSlack = 0.02;

    private readonly CallStages _stages = new((CallStages.Support, CallStages.Agent(maxConcurrentCalls: 5, ("bot-1", 1), ("bot-2", 1))));

    [Fact]
    public async Task The_bot_hop_carries_the_canonical_body_the_session_id_the_tenant_and_a_credential()
    {
        var dialer = new ScriptedDialer(_ => Task.FromResult(InMemoryWebSockets.BotHop().Client));
        await using var scope = _stages.Scopes.Open();
        Assert.True(SessionBody.TryDecode("eyJjdXN0b21lciI6IjQyIn0", 4096, out var body, out _));

        var admission = await Admission(dialer).AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), body, CancellationToken.None);

        var dial = Assert.Single(dialer.Dials);
        Assert.Equal(new Uri("ws://127.0.0.1:9/bot-1?body=eyJjdXN0b21lciI6IjQyIn0%3D"), dial.Url);
        Assert.Equal(["X-Daily-Session-Id", "X-Gateway-Org", "X-Gateway-Agent", SessionCredentials.HeaderName], dial.Headers.Select(h => h.Key));
        Assert.Equal(scope.Call.SessionId, dial.Headers[0].Value);
        Assert.Equal(["acme", "support"], dial.Headers.Skip(1).Take(2).Select(h => h.Value));
        Assert.Equal(scope.Call.SessionId, new SessionCredentials(_stages.Protection).TryRead(dial.Headers[3].Value));
        Assert.Equal("bot-1", admission.Bot!.Claim.Instance.Id);
        Assert.Same(admission.Bot.Claim, scope.Call.Claim);
        Assert.Equal(1, _stages.Claims.Count);
    }

    [Fact]
    public async Task An_instance_that_refuses_is_released_and_the_next_one_tried()
    {
        var dialer = new ScriptedDialer(url => url.AbsolutePath == "/bot-1"
            ? Task.FromException<LegSocket>(new IOException("connection refused"))
            : Task.FromResult(InMemoryWebSockets.BotHop().Client));
        await using var scope = _stages.Scopes.Open();

        var admission = await Admission(dialer).AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), null, CancellationToken.None);

        Assert.Equal(["/bot-1", "/bot-2"], dialer.Dials.Select(d => d.Url.AbsolutePath));
        Assert.Equal("bot-2", admission.Bot!.Claim.Instance.Id);
        Assert.Equal(1, _stages.Claims.Count);
    }

    [Fact]
    public async Task Each_claim_and_each_bot_connect_is_timed_the_refused_attempt_too()
    {
        var dialer = new ScriptedDialer(async url =>
        {
            if (url.AbsolutePath == "/bot-1")
            {
                await Task.Delay(RefusalDelay);
                throw new IOException("connection refused");
            }

            return InMemoryWebSockets.BotHop().Client;
        });
        await using var scope = _stages.Scopes.Open();

        var admission = await Admission(dialer).AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), null, CancellationToken.None);

        Assert.Equal("bot-2", admission.Bot!.Claim.Instance.Id);
        var metrics = await MetricsText.CollectAsync(_stages.Metrics);
        Assert.Equal(2, metrics.Value("gateway_call_setup_stage_seconds_count{stage=\"claim\"}"));
        Assert.Equal(2, metrics.Value("gateway_call_setup_stage_seconds_bucket{stage=\"claim\",le=\"0.25\"}"));
        Assert.Equal(2, metrics.Value("gateway_call_setup_stage_seconds_count{stage=\"bot_connect\"}"));
        // The refusal took its delay; the answer came at once.
        Assert.Equal(1, metrics.Value("gateway_call_setup_stage_seconds_bucket{stage=\"bot_connect\",le=\"0.25\"}"));
        Assert.InRange(metrics.Value("gateway_call_setup_stage_seconds_sum{stage=\"bot_connect\"}")!.Value, RefusalDelay.TotalSeconds - TimerSlack, 5);
        Assert.Equal(0, metrics.Value("gateway_call_setup_stage_seconds_count{stage=\"route\"}"));
    }

    [Fact]
    public async Task When_every_instance_refuses_the_call_is_refused_bot_unreachable_and_holds_no_claim()
    {
        var dialer = new ScriptedDialer(_ => Task.FromException<LegSocket>(new IOException("connection refused")));
        await using var scope = _stages.Scopes.Open();

        var admission = await Admission(dialer).AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), null, CancellationToken.None);

        Assert.Equal(2, dialer.Dials.Count);
        Assert.Equal("bot_unreachable", admission.Refusal!.Code);
        Assert.Equal(503, admission.Refusal.Status);
        Assert.Equal(CloseCodes.TryAgainLater, admission.Refusal.CloseStatus);
        Assert.Null(scope.Call.Claim);
        Assert.Equal(0, _stages.Claims.Count);
    }

    [Fact]
    public async Task An_agent_at_its_limit_is_refused_before_any_bot_is_dialed()
    {
        var full = new CallStages((CallStages.Support, CallStages.Agent(maxConcurrentCalls: 1, ("bot-1", 5))));
        var dialer = new ScriptedDialer(_ => Task.FromResult(InMemoryWebSockets.BotHop().Client));
        var admission = full.Admission(dialer);
        await using var first = full.Scopes.Open();
        await using var second = full.Scopes.Open();

        await admission.AdmitAsync(first.Call, full.Registered(CallStages.Support), null, CancellationToken.None);
        var refused = await admission.AdmitAsync(second.Call, full.Registered(CallStages.Support), null, CancellationToken.None);

        Assert.Equal("agent_at_limit", refused.Refusal!.Code);
        Assert.Equal(429, refused.Refusal.Status);
        Assert.Single(dialer.Dials);
    }

    [Fact]
    public async Task A_drain_that_ends_while_the_bot_is_being_dialed_refuses_the_call_as_draining_and_releases_the_claim()
    {
        var dialing = new TaskCompletionSource();
        var dialer = new ScriptedDialer(
            _ =>
            {
                dialing.SetResult();
                return new TaskCompletionSource<LegSocket>().Task;
            },
            honourCancellation: true);
        await using var scope = _stages.Scopes.Open();

        var admitting = Admission(dialer).AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), null, CancellationToken.None);
        await dialing.Task;
        scope.Call.Drain();
        var admission = await admitting;

        Assert.Equal("draining", admission.Refusal!.Code);
        Assert.Equal(CloseCodes.GatewayShuttingDown, admission.Refusal.CloseStatus);
        Assert.Equal(0, _stages.Claims.Count);
    }

    [Fact]
    public async Task A_call_whose_call_control_credential_cannot_be_signed_is_refused_503_and_claims_nothing()
    {
        var dialer = new ScriptedDialer(_ => Task.FromResult(InMemoryWebSockets.BotHop().Client));
        var admission = _stages.Admission(dialer, new KeyRingUnreachable());
        await using var scope = _stages.Scopes.Open();

        var refused = await admission.AdmitAsync(scope.Call, _stages.Registered(CallStages.Support), null, CancellationToken.None);

        Assert.Equal(503, refused.Refusal!.Status);
        Assert.Equal("credential_unavailable", refused.Refusal.Code);
        Assert.Empty(dialer.Dials);
        Assert.Equal(0, _stages.Claims.Count);
    }

    private CallAdmission Admission(IBotDialer dialer) => _stages.Admission(dialer);

    /// <summary>A dialer whose answer to each URL the test decides, recording every dial.</summary>
    private sealed class ScriptedDialer(Func<Uri, Task<LegSocket>> answer, bool honourCancellation = false) : IBotDialer
    {
        public List<(Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers)> Dials { get; } = [];

        public async Task<LegSocket> DialAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
        {
            Dials.Add((url, headers));
            var answering = answer(url);
            return honourCancellation ? await answering.WaitAsync(cancellationToken) : await answering;
        }
    }

    /// <summary>Data Protection as it behaves when its key ring was never read and Redis does not answer.</summary>
    private sealed class KeyRingUnreachable : IDataProtectionProvider, IDataProtector
    {
        public IDataProtector CreateProtector(string purpose) => this;

        public byte[] Protect(byte[] plaintext) =>
            throw new CryptographicException("An error occurred while trying to encrypt the provided data.", new TimeoutException("Timeout performing LRANGE"));

        public byte[] Unprotect(byte[] protectedData) => throw new CryptographicException("no key ring");
    }
}
