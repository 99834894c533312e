namespace Gateway.Admin;

/// <summary>A request about one live call, <c>/orgs/{org}/sessions/{sessionId}</c>.</summary>
internal readonly record struct SessionRequest(string Org, string SessionId, CancellationToken Aborted);
