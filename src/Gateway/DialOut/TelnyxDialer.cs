using System.Text.Json.Nodes;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Telnyx;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.DialOut;

/// <summary>
/// Sends the dial to Telnyx and maps what came back to the caller's answer: the placed call (201), or why not. Where
/// the call was certainly not placed the reservation is given back; where it may have been, it is kept for the stream.
/// </summary>
internal sealed class TelnyxDialer(TelnyxApiClient telnyx, DialOutReservation reservations, ILogger<DialOutRequest> logger)
{
    public async Task<IResult> DialAsync(string apiKey, JsonObject dial, InstanceClaim reservation, CancellationToken aborted)
    {
        var sessionId = reservation.SessionId;
        var key = reservation.Agent;
        TelnyxApiResponse answer;
        try
        {
            answer = await telnyx.PostAsync("/v2/calls", apiKey, dial, aborted);
        }
        catch (TelnyxRequestNotSentException)
        {
            DialOutLog.TelnyxNotSent(logger, sessionId, key);
            await reservations.ReleaseAsync(reservation);
            return new Refusal(StatusCodes.Status500InternalServerError, "telnyx_request_not_sent", "Request to Telnyx not sent",
                $"The call was not placed: {TelnyxRequestNotSentException.UnsendableKey(key.Org)}.");
        }
        catch (HttpRequestException e)
        {
            DialOutLog.TelnyxUnreachable(logger, sessionId, key, e.Message);
            await reservations.ReleaseAsync(reservation);
            return new Refusal(StatusCodes.Status502BadGateway, "telnyx_unreachable", "Telnyx unreachable", "The call was not placed: Telnyx's API could not be reached.");
        }
        catch (TaskCanceledException e) when (!aborted.IsCancellationRequested)
        {
            // HttpClient's timeout, not the caller leaving: Telnyx may have placed the call without answering in time,
            // so say so rather than "not placed" (its stream, if it comes, still reaches the bot with this session id).
            DialOutLog.TelnyxUnreachable(logger, sessionId, key, e.Message);
            return new Refusal(StatusCodes.Status504GatewayTimeout, "telnyx_timeout", "Telnyx did not answer",
                $"Telnyx's API did not answer in time; the call may or may not have been placed (session {sessionId}).");
        }

        if (!answer.IsSuccess)
        {
            var (code, _, detail) = answer.FirstError;
            DialOutLog.TelnyxRefused(logger, sessionId, key, answer.StatusCode, code, detail);
            await reservations.ReleaseAsync(reservation);
            return TelnyxRefusals.From(answer);
        }

        var data = answer.Body?["data"];
        var placed = new DialOutResponse(data?["call_control_id"]?.ToString(), data?["call_session_id"]?.ToString(), data?["call_leg_id"]?.ToString(), sessionId);
        DialOutLog.Dialed(logger, sessionId, key, placed.CallControlId);
        return TypedResults.Json(placed, DialOutJsonContext.Default.DialOutResponse, statusCode: StatusCodes.Status201Created);
    }
}
