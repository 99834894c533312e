using Gateway.Calls;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Metrics;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Calls;

/// <summary>
/// One gateway's call stages built over in-process parts (the embedded registry, local claims, in-memory session
/// records, an ephemeral key ring): what the stages' unit tests run against, with no socket and no Redis.
/// </summary>
internal sealed class CallStages
{
    public static readonly AgentKey Support = new("acme", "support");

    public CallStages(params (AgentKey Key, AgentResource Resource)[] agents)
    {
        Registry = new EmbeddedAgentRegistry(agents.ToDictionary(a => a.Key, a => a.Resource));
        Protection = new EphemeralDataProtectionProvider();
        Tokens = new StreamTokens(Protection, new InMemorySpentStreamTokens(TimeProvider.System), Options.Create(new StreamTokenOptions()), TimeProvider.System);
        Scopes = new LiveCallScopes(Calls, Claims, Sessions, TimeProvider.System);
    }

    public EmbeddedAgentRegistry Registry { get; }

    public IDataProtectionProvider Protection { get; }

    public StreamTokens Tokens { get; }

    public LiveCalls Calls { get; } = new();

    public LocalInstanceClaims Claims { get; } = new(TimeProvider.System);

    public InMemorySessionStore Sessions { get; } = new();

    public GatewayMetrics Metrics { get; } = new();

    public LiveCallScopes Scopes { get; }

    public CallRouter Router => new(Registry, Tokens, Metrics, TimeProvider.System);

    /// <summary>The admit stage over these claims and metrics, with the bot hops <paramref name="dialer"/> opens.</summary>
    public CallAdmission Admission(IBotDialer dialer, IDataProtectionProvider? protection = null) => new(
        Claims, new SessionCredentials(protection ?? Protection), dialer, Metrics, Options.Create(new RelayOptions()), TimeProvider.System, NullLogger<CallAdmission>.Instance);

    public static AgentResource Agent(int maxConcurrentCalls = 50, params (string Id, int Capacity)[] instances) => new()
    {
        MaxConcurrentCalls = maxConcurrentCalls,
        Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = new Uri($"ws://127.0.0.1:9/{i.Id}"), Capacity = i.Capacity })],
    };

    public RegisteredAgent Registered(AgentKey key) => Registry.Current.TryGet(key, out var agent) ? agent : throw new InvalidOperationException($"{key} is not registered");
}
