using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>
/// <c>/admin/v1/orgs/{org}/agents/{agent}/hold-audio</c>: the clip an agent's callers hear while a dropped bot is
/// replaced (<c>continuity.hold</c> <c>clip</c>), as a WAV file (see <see cref="HoldAudioService"/>).
/// </summary>
internal static class HoldAudioEndpoints
{
    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/agents/{agent}/hold-audio", ([AsParameters] AgentRequest request, HoldAudioService clips) => clips.PutAsync(request))
            .WithName("putHoldAudio")
            .WithMetadata(new BytesBody(HoldAudioRefusals.MediaType))
            .Produces<HoldClipView>(StatusCodes.Status200OK)
            .Produces<HoldClipView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Uploads the agent's hold clip, or replaces it: a WAV file (audio/wav) of mono 16-bit PCM at 8000 or 16000 Hz, at most 60 s. "
                + "400 invalid_hold_audio names what is wrong with another file, 413 hold_audio_too_large a longer one. ETag: the file's SHA-256; "
                + "If-Match writes only over that clip, If-None-Match: * only when the agent has none.");
        org.MapGet("/agents/{agent}/hold-audio", ([AsParameters] AgentRequest request, HoldAudioService clips) => clips.GetAsync(request))
            .WithName("getHoldAudio")
            .Produces<Stream>(StatusCodes.Status200OK, HoldAudioRefusals.MediaType)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The agent's hold clip, the WAV file as uploaded, with its ETag (If-None-Match: 304).");
        org.MapDelete("/agents/{agent}/hold-audio", ([AsParameters] AgentRequest request, HoldAudioService clips) => clips.DeleteAsync(request))
            .WithName("deleteHoldAudio")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Removes the agent's hold clip; 409 hold_audio_in_use while continuity.hold is clip.");
    }
}

/// <summary>
/// A route whose body is a file of this media type, read as bytes. Not routing's <c>Accepts</c>: routing would refuse
/// another media type itself, with the JSON routes' words, where the route names what it takes. The OpenAPI document
/// describes the body from this.
/// </summary>
internal sealed record BytesBody(string MediaType);
