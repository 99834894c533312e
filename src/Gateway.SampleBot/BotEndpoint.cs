namespace Gateway.SampleBot;

/// <summary>
/// The /ws route of a Pipecat Cloud bot container: session id and body arrive with the upgrade, and the socket is
/// accepted before either is examined, so a bad body never refuses a call.
/// </summary>
internal static class BotEndpoint
{
    public static async Task HandleAsync(HttpContext context, ILoggerFactory loggerFactory)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("expected a WebSocket upgrade", context.RequestAborted);
            return;
        }

        var logger = loggerFactory.CreateLogger("Gateway.SampleBot.Session");
        var request = context.Request;
        var sessionId = request.Headers["X-Daily-Session-Id"].ToString();
        if (string.IsNullOrEmpty(sessionId))
        {
            // Concurrent sessions must stay apart in the log even when no gateway names them.
            sessionId = "local-" + Guid.NewGuid().ToString("N");
            BotLog.SessionIdGenerated(logger, sessionId);
        }

        var org = HeaderOrNone(request, "X-Gateway-Org");
        var agent = HeaderOrNone(request, "X-Gateway-Agent");
        var encodedBody = request.Query["body"].ToString();

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var body = SessionBody.Decode(encodedBody, out var bodyError);
        if (bodyError is not null)
        {
            BotLog.BodyUndecodable(logger, sessionId, bodyError);
        }

        BotLog.SessionAccepted(logger, sessionId, org, agent, body ?? "(none)");
        var session = new BotSession(socket, sessionId, logger);
        await session.RunAsync(context.RequestAborted);
    }

    private static string HeaderOrNone(HttpRequest request, string name) =>
        request.Headers[name].ToString() is { Length: > 0 } value ? value : "(none)";
}
