using System.Text.Json.Nodes;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;

namespace Gateway.DialOut;

/// <summary>
/// Telnyx's <c>POST /v2/calls</c> for a dial-out: the callee, and a bidirectional media stream back to this gateway's
/// ingress for the agent, with the body and a single-use token bound to the call.
/// </summary>
internal static class DialCommand
{
    /// <param name="streamUrl">From <see cref="StreamUrl"/>.</param>
    /// <param name="streamToken">Bound to the call's session id, so the token opens this call's stream only.</param>
    public static JsonObject Build(string connectionId, DialOutRequest request, string streamUrl, AgentTexml texml, string streamToken)
    {
        var dial = new JsonObject
        {
            ["connection_id"] = connectionId,
            ["to"] = request.To,
            ["from"] = request.From,
            ["stream_url"] = streamUrl,
            ["stream_track"] = texml.Track,
            ["stream_bidirectional_mode"] = "rtp",
            ["stream_bidirectional_codec"] = texml.BidirectionalCodec,
            ["stream_bidirectional_sampling_rate"] = texml.BidirectionalSamplingRate,
            ["stream_auth_token"] = streamToken,
        };
        if (texml.Codec != "default")
        {
            dial["stream_codec"] = texml.Codec;
        }

        return dial;
    }

    /// <summary>The ingress as Telnyx reaches it (<c>Gateway:PublicBaseUrl</c>, else the request's Host), routed to the agent with the body.</summary>
    public static string StreamUrl(Uri? publicBaseUrl, HttpRequest request, AgentKey key, byte[]? body)
    {
        var ingress = publicBaseUrl is null ? StreamUrls.FromRequest(request) : StreamUrls.FromPublicBaseUrl(publicBaseUrl);
        return StreamUrls.For(ingress, key, body is null ? null : Convert.ToBase64String(body)).ToString();
    }
}
