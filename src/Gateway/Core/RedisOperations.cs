namespace Gateway.Core;

/// <summary>The <c>operation</c> label of <c>gateway_redis_errors_total</c>: which part of the gateway Redis failed.</summary>
public static class RedisOperations
{
    /// <summary>Instance claims: claiming (the call then falls back to local accounting), releasing, renewing.</summary>
    public const string Claims = "claims";

    /// <summary>Session records: writing, removing, renewing.</summary>
    public const string Sessions = "sessions";

    /// <summary>The registry: full resyncs and change notices (the last snapshot keeps serving).</summary>
    public const string Registry = "registry";

    /// <summary>Spent single-use stream tokens: a token is then let through unchecked for replay.</summary>
    public const string StreamTokens = "stream_tokens";

    /// <summary>The agents' queues: joining (the call is then refused as without a queue), leaving, counting.</summary>
    public const string Queue = "queue";

    public static readonly IReadOnlyList<string> All = [Claims, Sessions, Registry, StreamTokens, Queue];
}
