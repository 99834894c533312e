using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary>
/// The <c>/agents/{agent}/hold-audio</c> routes' work: an agent's hold clip uploaded (checked first, exactly, by
/// <see cref="HoldClipWav"/>), read back as uploaded, and removed. Each write goes over the agent's revision it read
/// (<see cref="AgentWrites"/>), so a clip and an agent write of the same moment never undo each other; <c>If-Match</c>
/// and <c>If-None-Match: *</c> name the clip by its tag.
/// </summary>
internal sealed class HoldAudioService(IAgentRegistry registry)
{
    // audio/wav is the registered name; the others are what browsers and older tools send for the same files.
    private static readonly string[] MediaTypes = [HoldAudioRefusals.MediaType, "audio/x-wav", "audio/wave", "audio/vnd.wave"];

    public async Task<IResult> GetAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        if (!registry.Current.TryGet(key, out var agent))
        {
            return AgentRoute.NotFound(key);
        }

        // What the registry holds now: on a replica whose snapshot is a moment behind, the clip just uploaded.
        if (await registry.ReadHoldClipAsync(key, request.Context.RequestAborted) is not { } wav)
        {
            return agent.HoldClip is { } lost ? HoldAudioRefusals.Lost(key, lost) : HoldAudioRefusals.None(key);
        }

        // The file result answers If-None-Match (304) and If-Match (412) against the tag itself.
        return TypedResults.File(wav, HoldAudioRefusals.MediaType, entityTag: new EntityTagHeaderValue($"\"{HoldClip.HashOf(wav)}\""));
    }

    public async Task<IResult> PutAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var (wav, unread) = await ReadAsync(context.Request);
        if (unread is not null)
        {
            return unread;
        }

        if (!HoldClipWav.TryRead(wav, out var format, out var fault))
        {
            return HoldAudioRefusals.Invalid(fault!);
        }

        var clip = HoldClip.Of(wav, format);
        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            if (!registry.Current.TryGet(key, out var agent))
            {
                return AgentRoute.NotFound(key);
            }

            var current = agent.HoldClip;
            if (!precondition.HoldsFor(current?.ETag))
            {
                return HoldAudioRefusals.Unmet(key, precondition, current is not null);
            }

            // The same clip again changes nothing and takes no revision, unless its audio was lost (Redis restarted empty):
            // then uploading it again is how it comes back.
            var unchanged = current?.Sha256 == clip.Sha256 && await registry.ReadHoldClipAsync(key) is not null;
            if (!unchanged && await registry.PutHoldClipIfRevisionAsync(key, clip, wav, agent.Revision, context.RequestAborted) is null)
            {
                return null;
            }

            context.Response.Headers.ETag = clip.ETag;
            var view = new HoldClipView(clip.Sha256, clip.SampleRate, clip.Samples, clip.Seconds, wav.Length);
            if (current is not null)
            {
                return TypedResults.Json(view, AdminJson.Admin.HoldClipView);
            }

            context.Response.Headers[HeaderNames.Location] = $"{AdminEndpoints.Prefix}/orgs/{key.Org}/agents/{key.Agent}/hold-audio";
            return TypedResults.Json(view, AdminJson.Admin.HoldClipView, statusCode: StatusCodes.Status201Created);
        }, context.RequestAborted);
    }

    public async Task<IResult> DeleteAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            if (!registry.Current.TryGet(key, out var agent))
            {
                return AgentRoute.NotFound(key);
            }

            if (agent.HoldClip is not { } clip)
            {
                return HoldAudioRefusals.None(key);
            }

            if (precondition.CreateOnly || !precondition.HoldsFor(clip.ETag))
            {
                return HoldAudioRefusals.Unmet(key, precondition, exists: true);
            }

            if (agent.Resource.Continuity?.Hold == HoldAudioKind.Clip)
            {
                return HoldAudioRefusals.InUse(key);
            }

            return await registry.DeleteHoldClipIfRevisionAsync(key, agent.Revision, context.RequestAborted) is null ? null : TypedResults.NoContent();
        }, context.RequestAborted);
    }

    /// <summary>The body, when it is a WAV file no larger than any clip the gateway takes.</summary>
    private static async Task<(byte[] Wav, Refusal? Refusal)> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > HoldClipWav.MaxFileBytes)
        {
            return ([], HoldAudioRefusals.BodyTooLarge());
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !MediaTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            return ([], HoldAudioRefusals.NotWav());
        }

        return await RequestBody.ReadAsync(request, HoldClipWav.MaxFileBytes, request.HttpContext.RequestAborted) is { } wav
            ? (wav, null)
            : ([], HoldAudioRefusals.BodyTooLarge());
    }
}
