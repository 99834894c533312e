using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Gateway.Core;

/// <summary>
/// Why the gateway does not do what was asked: one vocabulary for every edge (a stream's upgrade, the admin API,
/// dial-out, bots' call control, TeXML). Each answer carries a stable <see cref="Code"/> for scripts and logs, and is
/// rendered in one place (<see cref="RefusalWriter"/>): problem+json, or Telnyx's own error shape on Telnyx's paths;
/// after a stream's 101, a close frame with <see cref="CloseStatus"/> and <see cref="CloseReason"/>.
/// </summary>
public sealed record Refusal(int Status, string Code, string Title, string Detail) : IResult
{
    /// <summary>The close code when the refusal ends a stream after its 101: a policy violation unless the refusal says otherwise.</summary>
    public WebSocketCloseStatus CloseStatus { get; init; } = WebSocketCloseStatus.PolicyViolation;

    /// <summary>The reason that goes with <see cref="CloseStatus"/>: the detail, unless the contract fixes another.</summary>
    public string CloseReason { get; init; } = Detail;

    /// <summary>A request that is not valid: each field (a JSON path of the body, or a name in the path) with its messages.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>When set, a <c>Retry-After</c> of that many seconds goes with the answer.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Members the problem carries after its code, in this order (e.g. <c>sessionId</c>, <c>telnyxCode</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Extensions { get; init; } = [];

    /// <summary>This refusal with one more member after its code.</summary>
    public Refusal With(string name, object? value) => this with { Extensions = [.. Extensions, new(name, value)] };

    public Task ExecuteAsync(HttpContext httpContext) => RefusalWriter.WriteAsync(httpContext, this);
}
