using System.Collections;
using Gateway.Core;

namespace Gateway.Calls;

/// <summary>
/// What the handler knows of one stream for its logs and metrics, from the upgrade request on: when it arrived, its
/// session id, and, once routing finds it in the registry, its agent.
/// </summary>
/// <remarks>
/// It is also the call's logging scope: every line logged while the call is handled (by the handler, the bot
/// connector, the claims, the session store) carries <c>SessionId</c> and, from the moment the agent is known,
/// <c>Org</c> and <c>Agent</c>. One scope object filled in as routing learns, so that a JSON log line carries one
/// flat object with the three fields rather than a nest of scopes. Only names the registry holds are added, never
/// what the caller sent, which also keeps the metrics' org and agent labels bounded.
/// </remarks>
public sealed class CallTrace(string sessionId, long upgradeReceived) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private volatile string _sessionId = sessionId;
    private volatile string? _org;
    private volatile string? _agent;

    /// <summary>The call's session id; a dial-out's stream adopts the one its dial-out answered with.</summary>
    public string SessionId
    {
        get => _sessionId;
        set => _sessionId = value;
    }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the upgrade request arrived: the start of the setup time.</summary>
    public long UpgradeReceived { get; } = upgradeReceived;

    /// <summary>The call's agent, once routing found it in the registry (even when it then refused the call).</summary>
    public AgentKey? Agent => _agent is { } agent ? new AgentKey(_org!, agent) : null;

    public int Count => _agent is null ? 1 : 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("SessionId", _sessionId),
        1 => new("Org", _org),
        2 => new("Agent", _agent),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Routing found the call's agent in the registry.</summary>
    public void SetAgent(AgentKey agent)
    {
        // Org first: a reader that sees the agent sees its org.
        _org = agent.Org;
        _agent = agent.Agent;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        var count = Count;
        for (var i = 0; i < count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>What text formatters print for the scope.</summary>
    public override string ToString() => _agent is null ? $"Session {_sessionId}" : $"Session {_sessionId} ({_org}/{_agent})";
}
