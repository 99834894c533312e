using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Calls;

/// <summary>
/// The Telnyx side of one call (its caller leg) as it goes: the upgrade request, then the accepted WebSocket, then its handshake
/// (<c>connected</c> and <c>start</c>). A refusal is delivered as the stream stands: problem+json before the 101, a
/// close frame after it. Whichever routing order the call takes, this is the only place the orders differ.
/// </summary>
public sealed partial class CallerLeg : IDisposable
{
    private readonly HttpContext _context;
    private readonly LiveCall _call;
    private readonly CallerLegs _shared;
    private LegSocket? _socket;

    internal CallerLeg(HttpContext context, LiveCall call, CallerLegs shared)
    {
        _context = context;
        _call = call;
        _shared = shared;
    }

    /// <summary>The stream's WebSocket, once accepted.</summary>
    public LegSocket? Socket => _socket;

    /// <summary>Telnyx's first frames, once read; the stream owns their buffer until the relay has replayed them.</summary>
    public CallerHandshake? Handshake { get; private set; }

    /// <summary>The request's own abort: the caller hung up before the 101.</summary>
    public CancellationToken Aborted => _context.RequestAborted;

    /// <summary>
    /// Answers Telnyx's upgrade (if not yet) and reads its handshake (if not yet), within the handshake deadline and the
    /// drain window. On failure both legs are closed with the specific code and reason, and false is returned.
    /// </summary>
    /// <param name="bot">The bot's leg when it is already connected (routing by the URL): closed too on failure.</param>
    public async Task<bool> AcceptAndReadHandshakeAsync(WebSocket? bot)
    {
        if (Handshake is not null)
        {
            return true;
        }

        if (_socket is null)
        {
            try
            {
                var upgrading = _shared.Time.GetTimestamp();
                _socket = await WebSocketUpgrade.AcceptAsync(_context);
                _shared.Telemetry.SetupStageTook(SetupStages.CallerUpgrade, _shared.Time.GetElapsedTime(upgrading));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or WebSocketException)
            {
                _shared.Telemetry.CallEnded(CallOutcomes.CallerLost, _call.Agent);
                if (bot is not null)
                {
                    await _shared.CloseAsync(bot, WebSocketCloseStatus.InternalServerError, "telnyx connection lost");
                }

                return false;
            }
        }

        var reading = _shared.Time.GetTimestamp();
        Handshake = await _shared.Handshakes.ReadAsync(_socket, _call, bot);
        _shared.Telemetry.SetupStageTook(SetupStages.StartFrame, _shared.Time.GetElapsedTime(reading));
        return Handshake is not null;
    }

    /// <summary>Refuses the call as the stream stands: an HTTP problem before the 101, a close frame after it.</summary>
    public async Task RefuseAsync(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        LogRefused(_shared.Logger, _call.SessionId, refusal.Code, refusal.Detail);
        _shared.Telemetry.CallRefused(refusal.Code, _call.Agent);
        if (_socket is null)
        {
            await refusal.With("sessionId", _call.SessionId).ExecuteAsync(_context);
        }
        else
        {
            await _shared.CloseAsync(_socket, refusal.CloseStatus, refusal.CloseReason);
        }
    }

    /// <summary>
    /// Gives the accepted stream and its handshake to the relay: the leg no longer owns them (its disposal leaves them
    /// open), and the relay holds nothing of the request.
    /// </summary>
    public AcceptedCaller HandOver()
    {
        var accepted = new AcceptedCaller(
            _socket ?? throw new InvalidOperationException("The stream has not been accepted."),
            Handshake ?? throw new InvalidOperationException("The stream's handshake has not been read."));
        _socket = null;
        Handshake = null;
        return accepted;
    }

    public void Dispose()
    {
        Handshake?.Dispose();
        _socket?.Dispose();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Session {SessionId}: refused ({Code}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string sessionId, string code, string detail);
}
